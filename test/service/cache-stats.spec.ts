import type { INestApplication } from '@nestjs/common';
import { CacheManagerService, type CacheStats } from '../../src/index';
import { RedisTestServer } from '../helpers/redis-server';
import { createHostApp } from '../helpers/ecosystem-app';

describe('CacheManagerService.getStats', () => {
  describe('on locmem, after known operations', () => {
    let app: INestApplication;
    let stats: CacheStats;

    beforeAll(async () => {
      app = await createHostApp({ CACHE_BACKEND: 'locmem' });
      const cache = app.get(CacheManagerService);
      await cache.set('a', 1);
      await cache.set('b', 2);
      await cache.get('a'); // hit
      await cache.get('missing'); // miss
      await cache.getMany(['a', 'b', 'c']); // 2 hits, 1 miss
      await cache.add('a', 9); // present: not stored, not counted as a set
      await cache.add('c', 3); // stored
      await cache.setMany({ d: 4, e: 5 }); // 2 sets
      await cache.delete('a');
      await cache.deleteMany(['d', 'e', 'never-there']); // 3 deletes
      await cache.getOrSet('f', () => 6); // miss, then a set
      await cache.getOrSet('f', () => 7); // hit
      stats = cache.getStats();
    });

    afterAll(async () => {
      await app?.close();
    });

    it('counts hits, misses, sets and deletes exactly', () => {
      expect(stats).toMatchObject({
        backend: 'locmem',
        hits: 4,
        misses: 3,
        sets: 6,
        deletes: 4,
        errors: 0,
        timeouts: 0,
        shortCircuited: 0,
        breakerState: 'closed',
        recovery: { queued: 0, madeGood: 0, overflowed: 0, pending: 0 },
      });
    });

    it('counts every call per operation in the latency summaries', () => {
      const counts = Object.fromEntries(
        Object.entries(stats.latency).map(([operation, summary]) => [operation, summary.count]),
      );
      expect(counts).toEqual({ set: 3, get: 4, getMany: 1, add: 2, setMany: 1, delete: 1, deleteMany: 1 });
    });

    it('reports ordered, non-negative percentiles', () => {
      for (const summary of Object.values(stats.latency)) {
        expect(summary.p50).toBeGreaterThanOrEqual(0);
        expect(summary.p50).toBeLessThanOrEqual(summary.p90);
        expect(summary.p90).toBeLessThanOrEqual(summary.p99);
        expect(summary.p99).toBeLessThanOrEqual(summary.max);
      }
    });

    it('returns a snapshot that later calls do not change', async () => {
      await app.get(CacheManagerService).get('a');
      expect(stats.misses).toBe(3);
      expect(app.get(CacheManagerService).getStats().misses).toBe(4);
    });
  });

  describe('on Redis that goes away', () => {
    let redis: RedisTestServer;
    let app: INestApplication;

    beforeAll(async () => {
      redis = await RedisTestServer.start();
      app = await createHostApp(redis.env());
    });

    afterAll(async () => {
      await app?.close();
      await redis?.stop();
    });

    it('counts the faults and the misses they cause, and shows the breaker opening', async () => {
      const cache = app.get(CacheManagerService);
      await cache.set('k', 'v');
      expect(await cache.get('k')).toBe('v');
      await redis.kill();

      for (let i = 0; i < 10; i++) expect(await cache.get('k')).toBeUndefined();
      const stats = cache.getStats();
      expect(stats).toMatchObject({ backend: 'redis', hits: 1, misses: 10, sets: 1 });
      expect(stats.errors).toBeGreaterThanOrEqual(1);
      // Five failures in a row open the breaker; the calls after it get their fallback at once.
      expect(stats.breakerState).not.toBe('closed');
      expect(stats.shortCircuited).toBeGreaterThanOrEqual(1);
      expect(stats.latency.get.count).toBe(11);
    });

    it('counts the writes that failed, and their repair once Redis is back', async () => {
      const cache = app.get(CacheManagerService);
      expect(await cache.delete('k')).toBe(false);
      expect(await cache.setMany({ a: 1, b: 2 })).toBe(false);
      expect(cache.getStats().recovery).toEqual({ queued: 3, madeGood: 0, overflowed: 0, pending: 3 });
      await redis.restart();
      const deadline = performance.now() + 10_000;
      while (cache.getStats().recovery.pending > 0 && performance.now() < deadline) {
        await cache.get('k');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(cache.getStats().recovery).toEqual({ queued: 3, madeGood: 3, overflowed: 0, pending: 0 });
    });
  });
});
