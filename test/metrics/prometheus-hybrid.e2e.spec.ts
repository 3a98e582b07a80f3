import request from 'supertest';
import { CacheManagerService } from '../../src/index';
import { RedisTestServer } from '../helpers/redis-server';
import { createHostApp } from '../helpers/ecosystem-app';

describe('Prometheus endpoint on the hybrid backend', () => {
  it('adds L1 and L2 hits, stale-if-error serves, the bus counters and whether the bus is live', async () => {
    const server = await RedisTestServer.start();
    const app = await createHostApp({
      ...server.env(),
      CACHE_BACKEND: 'hybrid',
      CACHE_METRICS_ENABLED: 'true',
      CACHE_L1_INVALIDATION: 'bus',
    });
    try {
      const cache = app.get(CacheManagerService);
      const deadline = Date.now() + 5000;
      while (!cache.getStats().tiers!.bus.live && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 10));
      await cache.set('a', 1);
      await cache.get('a');
      await cache.delete('a');
      await cache.set('a', 2);
      const published = () => cache.getStats().tiers!.bus.published;
      while (published() < 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));

      const response = await request(app.getHttpServer()).get('/metrics').expect(200);
      const lines = response.text.split('\n');
      expect(lines).toEqual(
        expect.arrayContaining([
          'ideagraph_cache_l1_hits_total{cache="default",backend="hybrid"} 1',
          'ideagraph_cache_l2_hits_total{cache="default",backend="hybrid"} 0',
          'ideagraph_cache_stale_if_error_total{cache="default",backend="hybrid"} 0',
          'ideagraph_cache_bus_dropped_total{cache="default",backend="hybrid"} 0',
          'ideagraph_cache_bus_live{cache="default",backend="hybrid"} 1',
          'ideagraph_cache_l1_entries{cache="default",backend="hybrid"} 1',
        ]),
      );
      expect(response.text).toMatch(
        /^ideagraph_cache_bus_published_total\{cache="default",backend="hybrid"\} [1-9]\d*$/m,
      );
      expect(response.text).toMatch(/^ideagraph_cache_bus_received_total\{cache="default",backend="hybrid"\} \d+$/m);
    } finally {
      await app.close();
      await server.stop();
    }
  });

  it('registers no tier metrics on the other backends', async () => {
    const app = await createHostApp({ CACHE_BACKEND: 'locmem', CACHE_METRICS_ENABLED: 'true' });
    try {
      const response = await request(app.getHttpServer()).get('/metrics').expect(200);
      expect(response.text).not.toMatch(/ideagraph_cache_(l1|l2|bus)_/);
      expect(response.text).toMatch(/^ideagraph_cache_stale_if_error_total\{cache="default",backend="locmem"\} 0$/m);
    } finally {
      await app.close();
    }
  });
});
