import { CacheManagerService } from '../../src/service/cache-manager.service';
import { RedisClusterTest } from '../helpers/redis-cluster';
import { createCacheApp } from '../helpers/test-app';
import { until } from '../helpers/until';

/**
 * On a Cluster each master reports only its own slots, and this version does not track
 * every master: `auto` keeps L1 coherent with the bus and says why; `tracking` refuses to start.
 */
let cluster: RedisClusterTest;
beforeAll(async () => {
  cluster = await RedisClusterTest.start({ masters: 3, replicasPerMaster: 0 });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

it('auto: the bus is in force, and getStats and getBackendInfo say why', async () => {
  const app = await createCacheApp({ ...cluster.env(), CACHE_BACKEND: 'hybrid', CACHE_L1_INVALIDATION: 'auto' });
  try {
    const cache = app.get(CacheManagerService);
    await until(() => cache.getStats().tiers!.bus.live, 'the bus to be live', 10_000);
    expect(cache.getStats().tiers!.bus).toMatchObject({
      mode: 'bus',
      modeReason: expect.stringContaining('Redis Cluster'),
    });
    expect(cache.getBackendInfo()).toMatchObject({
      l1Invalidation: 'bus',
      l1InvalidationReason: expect.stringContaining('auto fell back to the bus'),
    });
  } finally {
    await app.close();
  }
});

it('tracking refuses to start, saying why', async () => {
  await expect(
    createCacheApp({ ...cluster.env(), CACHE_BACKEND: 'hybrid', CACHE_L1_INVALIDATION: 'tracking' }),
  ).rejects.toThrow(/CACHE_L1_INVALIDATION=tracking, but Redis Cluster/);
});
