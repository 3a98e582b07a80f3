import { Logger, type LoggerService } from '@nestjs/common';
import { BusKeyChangeFeed } from '../bus/bus-key-change-feed';
import { busScopeOf } from '../bus/bus-scope';
import { RedisBusConnection } from '../bus/redis-bus-connection';
import { valueFormatCarriesBytes } from '../codec/create-value-format';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import type { CacheStore } from '../stores/cache-store';
import { createTieredStore } from '../tiers/create-tiered-store';
import { DummyStore } from '../stores/dummy.store';
import { LocmemStore } from '../stores/locmem.store';
import { acquireRedisClient } from '../stores/shared-redis-clients';
import { RedisStore } from '../stores/redis.store';

/** The redis backend, with the key-change feed its fleet locks wait on. */
function createRedisStore(options: IdeaGraphCacheOptions, logger: LoggerService): RedisStore {
  const { client, release } = acquireRedisClient(options.redis);
  const store = new RedisStore(client, options.redis, release, {
    binaryValues: valueFormatCarriesBytes(options.valueFormat),
  });
  store.attachChangeFeed(
    new BusKeyChangeFeed(new RedisBusConnection(store, store.underlyingClient), busScopeOf(options), (message) => {
      logger.warn(message);
    }),
  );
  return store;
}

/** The backend the options name; `logger` is the cache's own (its context names the cache). */
export function createStore(
  options: IdeaGraphCacheOptions,
  logger: LoggerService = new Logger('IdeaGraphCache'),
): CacheStore {
  switch (options.backend) {
    case 'redis':
      return createRedisStore(options, logger);
    case 'hybrid':
      return createTieredStore(options, logger);
    case 'locmem':
      return new LocmemStore({ maxEntries: options.maxEntries, maxBytes: options.maxBytes });
    case 'dummy':
      return new DummyStore();
  }
}
