import { Logger, type LoggerService } from '@nestjs/common';
import { busScopeOf } from '../bus/bus-scope';
import { InvalidationBus } from '../bus/invalidation-bus';
import { RedisBusConnection } from '../bus/redis-bus-connection';
import { valueFormatCarriesBytes } from '../codec/create-value-format';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { LocmemStore } from '../stores/locmem.store';
import { acquireRedisClient } from '../stores/shared-redis-clients';
import { RedisStore } from '../stores/redis.store';
import { TieredStore } from './tiered.store';

/** The hybrid backend: a LocmemStore as L1, a RedisStore as L2, and the bus between the processes. */
export function createTieredStore(options: IdeaGraphCacheOptions, logger: LoggerService = new Logger('IdeaGraphCache')): TieredStore {
  const { client, release } = acquireRedisClient(options.redis);
  const l2 = new RedisStore(client, options.redis, release, { binaryValues: valueFormatCarriesBytes(options.valueFormat) });
  const l1 = new LocmemStore({ maxEntries: options.l1.maxEntries, maxBytes: options.l1.maxBytes });
  let tiers: TieredStore | undefined;
  const bus = new InvalidationBus(
    new RedisBusConnection(l2, l2.underlyingClient),
    busScopeOf(options),
    {
      invalidate: (keys) => tiers?.busEvents.invalidate(keys),
      clear: (prefix) => tiers?.busEvents.clear(prefix),
      lost: (reason) => tiers?.busEvents.lost(reason),
      regained: () => tiers?.busEvents.regained(),
    },
    (message) => logger.warn(message),
  );
  tiers = new TieredStore(l1, l2, bus, { l1TimeoutMs: options.l1.timeoutSeconds * 1000, publishWithWrite: !l2.isCluster });
  return tiers;
}
