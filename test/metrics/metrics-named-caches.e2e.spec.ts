import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CacheManagerService, cacheToken, IdeaGraphCacheModule } from '../../src';
import { DURATION_BUCKETS_SECONDS } from '../../src/metrics/duration-histogram.metric';
import { CaptureLogger } from '../helpers/capture-logger';
import { RedisTestServer } from '../helpers/redis-server';
import { envOnlyConfig } from '../helpers/test-app';
import { until } from '../helpers/until';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (the subset the module writes: no escapes in label values). */
function parseExposition(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1], type[2]);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const labels = Object.fromEntries(
      [...(sample[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1], match[2]]),
    );
    samples.push({ name: sample[1], labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

describe('metrics and logs of two caches on one app', () => {
  let redis: RedisTestServer;
  let app: INestApplication;
  let logger: CaptureLogger;
  let main: CacheManagerService;
  let reports: CacheManagerService;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    const moduleRef = await Test.createTestingModule({
      imports: [
        envOnlyConfig({ ...redis.env(), CACHE_METRICS_ENABLED: 'true' }),
        IdeaGraphCacheModule.forRootAsync({ isGlobal: true }),
        IdeaGraphCacheModule.forRoot({
          name: 'reports',
          backend: 'redis',
          redis: { host: redis.host, port: redis.port, db: 1 },
          keyPrefix: 'reports',
        }),
      ],
    }).compile();
    logger = new CaptureLogger();
    app = moduleRef.createNestApplication({ logger });
    await app.init();
    main = app.get(CacheManagerService);
    reports = app.get(cacheToken('reports'));
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('labels every series with its cache, and reports the named cache beside the default one', async () => {
    await main.set('a', 1);
    await main.get('a');
    for (let i = 0; i < 3; i++) await reports.get(`absent-${i}`);
    await reports.set('r', 'x');

    const response = await request(app.getHttpServer()).get('/metrics').expect(200);
    const { samples } = parseExposition(response.text);
    expect(samples.length).toBeGreaterThan(50);
    for (const sample of samples)
      expect(sample.labels.cache === 'default' || sample.labels.cache === 'reports').toBe(true);

    const value = (name: string, labels: Record<string, string>) =>
      samples.find(
        (sample) =>
          sample.name === name && Object.entries(labels).every(([key, wanted]) => sample.labels[key] === wanted),
      )?.value;
    expect(value('ideagraph_cache_hits_total', { cache: 'default', backend: 'redis' })).toBe(1);
    expect(value('ideagraph_cache_misses_total', { cache: 'default' })).toBe(0);
    expect(value('ideagraph_cache_misses_total', { cache: 'reports', backend: 'redis' })).toBe(3);
    expect(value('ideagraph_cache_sets_total', { cache: 'reports' })).toBe(1);
    expect(value('ideagraph_cache_breaker_state', { cache: 'reports', state: 'closed' })).toBe(1);
    expect(value('ideagraph_graph_token_network_fetches_total', { cache: 'default' })).toBe(0);
  });

  it('exports ideagraph_cache_operation_duration_seconds as a histogram in seconds, per cache and operation', async () => {
    const response = await request(app.getHttpServer()).get('/metrics').expect(200);
    const { samples, types } = parseExposition(response.text);
    expect(types.get('ideagraph_cache_operation_duration_seconds')).toBe('histogram');
    expect(samples.some((sample) => sample.name === 'ideagraph_cache_operation_duration_seconds')).toBe(false);

    for (const cache of ['default', 'reports']) {
      const of = (suffix: string) =>
        samples.filter(
          (sample) =>
            sample.name === `ideagraph_cache_operation_duration_seconds_${suffix}` &&
            sample.labels.cache === cache &&
            sample.labels.operation === 'get',
        );
      const buckets = of('bucket');
      expect(buckets.map((bucket) => bucket.labels.le)).toEqual([...DURATION_BUCKETS_SECONDS.map(String), '+Inf']);
      const counts = buckets.map((bucket) => bucket.value);
      expect(counts).toEqual([...counts].sort((a, b) => a - b));
      const [count] = of('count');
      expect(count.value).toBe(cache === 'default' ? 1 : 3);
      expect(counts[counts.length - 1]).toBe(count.value);
      // Seconds, not milliseconds: a local Redis get takes well under 10 s, so every call
      // is below the last finite bound, and the sum is a small positive number of seconds.
      expect(counts[counts.length - 2]).toBe(count.value);
      const [sum] = of('sum');
      expect(sum.value).toBeGreaterThan(0);
      expect(sum.value).toBeLessThan(10 * count.value);
    }
  });

  it('names the cache in every log line, so a fault both caches see is told apart', async () => {
    const since = Date.now();
    await redis.kill();
    try {
      await until(
        async () => {
          await Promise.all([main.get('x'), reports.get('x')]);
          const contexts = new Set(logger.cacheLines(since).map((line) => line.context));
          return contexts.has('IdeaGraphCache:default') && contexts.has('IdeaGraphCache:reports');
        },
        'a fault line from each cache',
        15_000,
      );
      for (const line of logger.cacheLines()) expect(line.context).toMatch(/^IdeaGraphCache:(default|reports)$/);
    } finally {
      await redis.restart();
    }
  });
});
