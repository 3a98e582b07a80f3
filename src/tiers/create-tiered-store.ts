import { Logger, type LoggerService } from '@nestjs/common';
import { busScopeOf } from '../bus/bus-scope';
import { InvalidationBus } from '../bus/invalidation-bus';
import { RedisBusConnection } from '../bus/redis-bus-connection';
import { L1Coherence } from '../bus/tracking/l1-coherence';
import { createTrackingSource } from '../bus/tracking/create-tracking-source';
import { probePrefixOf, type TrackingSource } from '../bus/tracking/tracking-path';
import { valueFormatCarriesBytes } from '../codec/create-value-format';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { LocmemStore } from '../stores/locmem.store';
import { acquireRedisClient } from '../stores/shared-redis-clients';
import { RedisStore } from '../stores/redis.store';
import { TieredStore } from './tiered.store';

/**
 * The hybrid backend: a LocmemStore as L1, a RedisStore as L2, and what keeps the L1s of
 * every process coherent: the bus, and Redis's own reports where CACHE_L1_INVALIDATION allows.
 */
export function createTieredStore(
  options: IdeaGraphCacheOptions,
  logger: LoggerService = new Logger('IdeaGraphCache'),
): TieredStore {
  const { client, release } = acquireRedisClient(options.redis);
  const l2 = new RedisStore(client, options.redis, release, {
    binaryValues: valueFormatCarriesBytes(options.valueFormat),
  });
  const l1 = new LocmemStore({ maxEntries: options.l1.maxEntries, maxBytes: options.l1.maxBytes });
  let tiers: TieredStore | undefined;
  const scope = busScopeOf(options);
  const tierEvents = {
    invalidate: (keys: readonly string[]) => tiers?.busEvents.invalidate(keys),
    clear: (prefix: string) => tiers?.busEvents.clear(prefix),
    lost: (reason: string) => tiers?.busEvents.lost(reason),
    regained: () => tiers?.busEvents.regained(),
  };
  let coherence: L1Coherence | undefined;
  const forward = <K extends 'busEvents' | 'trackingEvents'>(kind: K) => ({
    invalidate: (keys: readonly string[]) => coherence?.[kind].invalidate(keys),
    clear: (prefix: string) => coherence?.[kind].clear(prefix),
    lost: (reason: string) => coherence?.[kind].lost(reason),
    regained: () => coherence?.[kind].regained(),
  });
  const warn = (message: string): void => {
    logger.warn(message);
  };
  const bus = new InvalidationBus(new RedisBusConnection(l2, l2.underlyingClient), scope, forward('busEvents'), warn);
  let tracking: TrackingSource | undefined;
  if (options.l1.invalidation !== 'bus') {
    tracking = createTrackingSource(
      l2.underlyingClient,
      scope.scopePrefix,
      probePrefixOf(options.keyPrefix, options.version),
      { ...forward('trackingEvents'), refused: (reason) => coherence?.trackingEvents.refused(reason) },
      warn,
    );
  }
  coherence = new L1Coherence(options.l1.invalidation, bus, tracking, tierEvents, {
    warn,
    error: (message) => {
      logger.error(message);
    },
  });
  tiers = new TieredStore(l1, l2, coherence, {
    l1TimeoutMs: options.l1.timeoutSeconds * 1000,
    publishWithWrite: !l2.isCluster,
  });
  return tiers;
}
