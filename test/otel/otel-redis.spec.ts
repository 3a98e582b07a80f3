import type { INestApplication } from '@nestjs/common';
import { CacheManagerService } from '../../src';
import { histogramCounts, OtelRecorder, summarise, valueOf } from '../helpers/otel-recorder';
import { RedisTestServer } from '../helpers/redis-server';
import { createCacheApp } from '../helpers/test-app';

function operationCounts(cache: CacheManagerService): Record<string, number> {
  return Object.fromEntries(
    Object.entries(cache.getStats().latency).map(([operation, summary]) => [operation, summary.count]),
  );
}

describe('OpenTelemetry on Redis', () => {
  let redis: RedisTestServer;
  let otel: OtelRecorder;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    otel = OtelRecorder.start();
  });

  afterAll(async () => {
    await otel?.stop();
    await redis?.stop();
  });

  describe('redis backend', () => {
    let app: INestApplication;
    let cache: CacheManagerService;

    beforeAll(async () => {
      app = await createCacheApp({ ...redis.env(), CACHE_KEY_PREFIX: 'otel-redis', CACHE_OTEL_ENABLED: 'true' });
      cache = app.get(CacheManagerService);
      await cache.clear();
      otel.resetSpans();
    });

    afterAll(async () => {
      await app?.close();
    });

    it('a cold getOrSet is one span with its factory under it: the fleet lock is part of the call, not spans of its own', async () => {
      expect(await cache.getOrSet('report', async () => 'built')).toBe('built');
      expect(await cache.getOrSet('report', async () => 'again')).toBe('built');

      const redisSpan = { 'ideagraph.cache.backend': 'redis', 'ideagraph.cache.name': 'default' };
      expect(summarise(otel.spans())).toEqual([
        { name: 'cache factory', parent: 'cache getOrSet', attributes: redisSpan },
        {
          name: 'cache getOrSet',
          parent: null,
          attributes: { ...redisSpan, 'db.operation.name': 'getOrSet', 'ideagraph.cache.hit': false },
        },
        {
          name: 'cache getOrSet',
          parent: null,
          attributes: { ...redisSpan, 'db.operation.name': 'getOrSet', 'ideagraph.cache.hit': true },
        },
      ]);
    });

    it('the metrics count every backend call the lock made, as getStats does', async () => {
      const metrics = await otel.collect();
      // clear; the cold call: read, lock (add), read again under the lock, store, unlock; the warm call: read.
      const expected = { clear: 1, get: 3, add: 1, set: 1, deleteIfEquals: 1 };
      expect(operationCounts(cache)).toEqual(expected);
      expect(histogramCounts(metrics.get('ideagraph.cache.operation.duration'))).toEqual(expected);
      for (const [operation, count] of Object.entries(expected)) {
        expect(
          valueOf(metrics.get('ideagraph.cache.operations'), {
            'ideagraph.cache.backend': 'redis',
            'db.operation.name': operation,
          }),
        ).toBe(count);
      }
      const stats = cache.getStats();
      expect({
        hits: valueOf(metrics.get('ideagraph.cache.hits')),
        misses: valueOf(metrics.get('ideagraph.cache.misses')),
        sets: valueOf(metrics.get('ideagraph.cache.sets')),
        factoryCalls: valueOf(metrics.get('ideagraph.cache.factory_calls')),
        fleetLockWaits: valueOf(metrics.get('ideagraph.cache.fleet_lock_waits')),
      }).toEqual({ hits: stats.hits, misses: stats.misses, sets: stats.sets, factoryCalls: 1, fleetLockWaits: 0 });
      // Both reads of the cold call missed; the warm call's read hit.
      expect([stats.hits, stats.misses]).toEqual([1, 2]);
    });
  });

  describe('hybrid backend', () => {
    let app: INestApplication;
    let cache: CacheManagerService;

    beforeAll(async () => {
      app = await createCacheApp({
        ...redis.env(),
        CACHE_BACKEND: 'hybrid',
        CACHE_KEY_PREFIX: 'otel-hybrid',
        CACHE_OTEL_ENABLED: 'true',
      });
      cache = app.get(CacheManagerService);
    });

    afterAll(async () => {
      await app?.close();
    });

    it('adds the tier metrics: L1 and L2 hits, L1 entries and the bus', async () => {
      await cache.set('t', 1);
      await cache.get('t');
      await cache.get('t');
      const metrics = await otel.collect();
      const hybrid = { 'ideagraph.cache.backend': 'hybrid' };
      const tiers = cache.getStats().tiers!;
      expect({
        l1Hits: valueOf(metrics.get('ideagraph.cache.l1_hits'), hybrid),
        l2Hits: valueOf(metrics.get('ideagraph.cache.l2_hits'), hybrid),
        l1Entries: valueOf(metrics.get('ideagraph.cache.l1_entries'), hybrid),
        busPublished: valueOf(metrics.get('ideagraph.cache.bus_published'), hybrid),
        busLive: valueOf(metrics.get('ideagraph.cache.bus_live'), hybrid),
      }).toEqual({
        l1Hits: tiers.l1Hits,
        l2Hits: tiers.l2Hits,
        l1Entries: tiers.l1Entries,
        busPublished: tiers.bus.published,
        busLive: tiers.bus.live ? 1 : 0,
      });
      expect(tiers.l1Hits + tiers.l2Hits).toBe(2);
    });
  });
});
