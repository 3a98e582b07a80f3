import { describeCacheConformance } from './cache-conformance';
import { redisTarget, startRedisTarget, type RedisTarget } from './cache-targets';

// One redis-server for this file; the suite's own beforeAll runs after this one.
let redis: RedisTarget;
beforeAll(async () => {
  redis = await startRedisTarget();
});
afterAll(async () => {
  await redis?.stop();
});

describeCacheConformance('hybrid', () => redisTarget(redis, { CACHE_BACKEND: 'hybrid' }));
describeCacheConformance('hybrid with CACHE_KEY_PREFIX=app, CACHE_VERSION=7, CACHE_L1_TIMEOUT=1', () =>
  redisTarget(redis, {
    CACHE_BACKEND: 'hybrid',
    CACHE_KEY_PREFIX: 'app',
    CACHE_VERSION: '7',
    CACHE_DEFAULT_TIMEOUT: '120',
    CACHE_L1_TIMEOUT: '1',
  }),
);
