import type { INestApplication } from '@nestjs/common';
import { CacheManagerService, type CacheStats } from '../../src';
import { UNTRACED_CACHE_SERVICE } from '../../src/common/cache.tokens';
import { GuardedStore } from '../../src/resilience/guarded-store';
import { FakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { histogramCounts, OtelRecorder, pointsOf, valueOf } from '../helpers/otel-recorder';
import { createCacheApp } from '../helpers/test-app';
import { graphEnv, startGraphApp } from '../graph/graph-test-app';

const LOCMEM = { 'ideagraph.cache.backend': 'locmem' };

/** Every counter named after a getStats field, with the field it reads. */
const STAT_FIELDS: Array<[metric: string, read: (stats: CacheStats) => number]> = [
  ['ideagraph.cache.hits', (s) => s.hits],
  ['ideagraph.cache.misses', (s) => s.misses],
  ['ideagraph.cache.sets', (s) => s.sets],
  ['ideagraph.cache.deletes', (s) => s.deletes],
  ['ideagraph.cache.errors', (s) => s.errors],
  ['ideagraph.cache.factory_calls', (s) => s.getOrSet.factoryCalls],
  ['ideagraph.cache.factory_errors', (s) => s.getOrSet.factoryErrors],
  ['ideagraph.cache.stale_serves', (s) => s.getOrSet.staleServes],
];

describe('OpenTelemetry metrics (locmem)', () => {
  let otel: OtelRecorder;
  let app: INestApplication;
  let cache: CacheManagerService;

  beforeAll(async () => {
    otel = OtelRecorder.start();
    app = await createCacheApp({ CACHE_BACKEND: 'locmem', CACHE_OTEL_ENABLED: 'true' });
    cache = app.get(CacheManagerService);
  });

  afterAll(async () => {
    await app?.close();
    await otel?.stop();
  });

  it('match the operations performed, exactly', async () => {
    await cache.set('a', 1);
    await cache.get('a');
    await cache.get('b');
    await cache.get('c');
    await cache.getMany(['a', 'b']);
    await cache.delete('a');
    await cache.getOrSet('g', () => 'computed');
    await cache.getOrSet('g', () => 'again');
    // Fail-safe: an entry past its timeout, within grace, is served when the factory fails.
    await cache.getOrSet('stale', () => 'old', 1, { grace: 60 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await cache.getOrSet('stale', () => Promise.reject(new Error('down')), 1, { grace: 60 })).toBe('old');

    const metrics = await otel.collect();
    const value = (name: string, match = {}) => valueOf(metrics.get(name), { ...LOCMEM, ...match });
    expect({
      hits: value('ideagraph.cache.hits'),
      misses: value('ideagraph.cache.misses'),
      sets: value('ideagraph.cache.sets'),
      deletes: value('ideagraph.cache.deletes'),
      factoryCalls: value('ideagraph.cache.factory_calls'),
      factoryErrors: value('ideagraph.cache.factory_errors'),
      staleServes: value('ideagraph.cache.stale_serves'),
      errors: value('ideagraph.cache.errors'),
    }).toEqual({
      // get a; getMany a; getOrSet g (second call).
      hits: 3,
      // get b, c; getMany b; getOrSet g (first), stale (first, and the stale read of the second).
      misses: 6,
      // set a; the stores of getOrSet g and stale (the fail-safe rewrite of stale is no new entry).
      sets: 3,
      deletes: 1,
      factoryCalls: 3,
      factoryErrors: 1,
      staleServes: 1,
      errors: 0,
    });
    // getOrSet reads with get and stores with set: the guard sees backend calls, not API calls.
    const operations = { set: 1 + 3, get: 3 + 4, getMany: 1, delete: 1 };
    expect(histogramCounts(metrics.get('ideagraph.cache.operation.duration'))).toEqual(operations);
    for (const [operation, count] of Object.entries(operations))
      expect(value('ideagraph.cache.operations', { 'db.operation.name': operation })).toBe(count);

    // Each counter is the getStats field of the same name; nothing is counted twice.
    const stats = cache.getStats();
    for (const [name, read] of STAT_FIELDS) expect({ name, value: value(name) }).toEqual({ name, value: read(stats) });
    expect(
      Object.fromEntries(Object.entries(stats.latency).map(([operation, summary]) => [operation, summary.count])),
    ).toEqual(operations);
  });

  it('export the duration histogram in seconds, with bucket boundaries for microsecond to second calls', async () => {
    const metric = (await otel.collect()).get('ideagraph.cache.operation.duration');
    expect(metric?.descriptor.unit).toBe('s');
    const [point] = pointsOf(metric).filter((p) => p.attributes['db.operation.name'] === 'get');
    const histogram = point.value as { buckets: { boundaries: number[] }; sum?: number; count: number };
    expect(histogram.buckets.boundaries[0]).toBe(0.00005);
    expect(histogram.buckets.boundaries.at(-1)).toBe(10);
    // A locmem get takes microseconds: far below a second in sum.
    expect(histogram.sum).toBeLessThan(histogram.count * 0.1);
  });

  it('report the breaker state as one point per state, 1 for the current one', async () => {
    const metric = (await otel.collect()).get('ideagraph.cache.breaker_state');
    expect(pointsOf(metric).map((point) => [point.attributes['ideagraph.cache.breaker.state'], point.value])).toEqual([
      ['closed', 1],
      ['open', 0],
      ['half-open', 0],
    ]);
    expect(valueOf((await otel.collect()).get('ideagraph.cache.recovery_pending'), LOCMEM)).toBe(0);
  });

  it('publish no tier metrics off hybrid', async () => {
    const names = [...(await otel.collect()).keys()];
    expect(names.filter((name) => /l1|l2|bus/.test(name))).toEqual([]);
  });

  it('read fresh values on every collection', async () => {
    const before = valueOf((await otel.collect()).get('ideagraph.cache.hits'), LOCMEM) ?? 0;
    await cache.set('x', 1);
    await cache.get('x');
    expect(valueOf((await otel.collect()).get('ideagraph.cache.hits'), LOCMEM)).toBe(before + 1);
  });

  it('read getStats once per collection, and not at all once the app is closed', async () => {
    const app = await createCacheApp({ CACHE_BACKEND: 'locmem', CACHE_OTEL_ENABLED: 'true' });
    const guard = app.get(GuardedStore);
    const getStats = jest.spyOn(app.get<CacheManagerService>(UNTRACED_CACHE_SERVICE), 'getStats');
    await otel.collect();
    expect(getStats).toHaveBeenCalledTimes(1);
    expect(guard.latencies.observer).toBeDefined();
    await app.close();
    expect(guard.latencies.observer).toBeUndefined();
    await otel.collect();
    expect(getStats).toHaveBeenCalledTimes(1);
  });
});

describe('OpenTelemetry metrics of Graph tokens', () => {
  let otel: OtelRecorder;
  let endpoint: FakeTokenEndpoint;

  beforeAll(async () => {
    otel = OtelRecorder.start();
    endpoint = await FakeTokenEndpoint.start();
  });

  afterAll(async () => {
    await endpoint?.stop();
    await otel?.stop();
  });

  it('count token fetches and memory hits as GraphTokenService.status does', async () => {
    const graph = await startGraphApp(graphEnv({ CACHE_OTEL_ENABLED: 'true' }), endpoint);
    try {
      await graph.tokens.getAccessToken();
      await graph.tokens.getAccessToken();
      await graph.tokens.getAccessToken();
      const metrics = await otel.collect();
      const read = (name: string) => valueOf(metrics.get(`ideagraph.graph_token.${name}`));
      expect({
        network_fetches: read('network_fetches'),
        memory_hits: read('memory_hits'),
        cache_hits: read('cache_hits'),
        network_failures: read('network_failures'),
        lock_waits: read('lock_waits'),
      }).toEqual({ network_fetches: 1, memory_hits: 2, cache_hits: 0, network_failures: 0, lock_waits: 0 });
      const { status } = graph.tokens;
      expect([status.networkFetches, status.memoryHits]).toEqual([1, 2]);
    } finally {
      await graph.close();
    }
  });
});
