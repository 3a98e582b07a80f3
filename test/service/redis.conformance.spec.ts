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

describeCacheConformance('redis', () => redisTarget(redis));
describeCacheConformance('redis with CACHE_KEY_PREFIX=app, CACHE_VERSION=7', () =>
  redisTarget(redis, { CACHE_KEY_PREFIX: 'app', CACHE_VERSION: '7', CACHE_DEFAULT_TIMEOUT: '120' }),
);
describeCacheConformance('redis with glob characters in CACHE_KEY_PREFIX', () =>
  redisTarget(redis, { CACHE_KEY_PREFIX: 'ig*[1]?' }),
);
