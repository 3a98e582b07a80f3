import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import { CacheManagerService } from '../../src';
import { L1_INVALIDATION_UNDER_TEST } from './l1-invalidation';
import { RedisTestServer } from './redis-server';
import { createCacheApp } from './test-app';
import { until } from './until';

export type AppBackend = 'locmem' | 'redis' | 'hybrid';

export interface RedisAppFixture {
  /** The file's redis-server (set once beforeAll ran). */
  readonly redis: RedisTestServer;
  /** The test's own client to it, for what the caches stored. */
  readonly raw: Redis;
  /**
   * A cache app on `backend` (locmem ignores the server), closed after the test. On hybrid
   * it resolves once the app hears its bus: until then it serves no L1 and fills none.
   */
  cacheOn(backend: AppBackend, env?: Record<string, string>): Promise<CacheManagerService>;
}

/**
 * One redis-server for the spec file and a raw client to it. Installs the hooks: the apps
 * of a test are closed after it, and Redis is flushed for the next one.
 */
export function redisAppFixture(): RedisAppFixture {
  let redis: RedisTestServer;
  let raw: Redis;
  const apps: INestApplication[] = [];
  beforeAll(async () => {
    redis = await RedisTestServer.start();
    raw = new Redis(redis.port, '127.0.0.1');
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await raw.flushall();
  });
  afterAll(async () => {
    raw.disconnect();
    await redis.stop();
  });
  return {
    get redis() {
      return redis;
    },
    get raw() {
      return raw;
    },
    async cacheOn(backend, env = {}) {
      const app = await createCacheApp({
        ...(backend === 'locmem' ? {} : redis.env()),
        CACHE_BACKEND: backend,
        REDIS_COMMAND_TIMEOUT_MS: '2000',
        CACHE_L1_INVALIDATION: L1_INVALIDATION_UNDER_TEST,
        ...env,
      });
      apps.push(app);
      const cache = app.get(CacheManagerService);
      if (backend === 'hybrid') await until(() => cache.getStats().tiers!.bus.live, 'the bus to be live');
      return cache;
    },
  };
}
