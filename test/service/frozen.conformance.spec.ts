import { describeCacheConformance } from './cache-conformance';
import { locmemTarget, redisTarget, startRedisTarget, type RedisTarget } from './cache-targets';

// The same contract with CACHE_L1_VALUES=frozen: only what a caller may do with a value it read differs.
let redis: RedisTarget;
beforeAll(async () => {
  redis = await startRedisTarget();
});
afterAll(async () => {
  await redis?.stop();
});

describeCacheConformance('locmem, CACHE_L1_VALUES=frozen', async () => ({
  ...(await locmemTarget({ CACHE_L1_VALUES: 'frozen' })),
  frozenValues: true,
}));
describeCacheConformance('hybrid, CACHE_L1_VALUES=frozen', async () => ({
  ...(await redisTarget(redis, { CACHE_BACKEND: 'hybrid', CACHE_L1_VALUES: 'frozen' })),
  frozenValues: true,
}));
