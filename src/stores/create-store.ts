import type { IdeaGraphCacheOptions } from '../config/cache-options';
import type { CacheStore } from './cache-store';
import { createTieredStore } from '../tiers/create-tiered-store';
import { DummyStore } from './dummy.store';
import { LocmemStore } from './locmem.store';
import { createRedisClient } from './redis-client.factory';
import { RedisStore } from './redis.store';

/** The backend the options name. */
export function createStore(options: IdeaGraphCacheOptions): CacheStore {
  switch (options.backend) {
    case 'redis':
      return new RedisStore(createRedisClient(options.redis), options.redis);
    case 'hybrid':
      return createTieredStore(options);
    case 'locmem':
      return new LocmemStore({ maxEntries: options.maxEntries, maxBytes: options.maxBytes });
    case 'dummy':
      return new DummyStore();
  }
}
