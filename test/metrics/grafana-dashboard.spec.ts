import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CacheManagerService, cacheToken, IdeaGraphCacheModule } from '../../src';
import { RedisTestServer } from '../helpers/redis-server';
import { envOnlyConfig } from '../helpers/test-app';
import { until } from '../helpers/until';

interface Target {
  expr: string;
}
interface Panel {
  type: string;
  title: string;
  repeat?: string;
  targets?: Target[];
}
interface Dashboard {
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query?: { query: string } | string }> };
}

const dashboard = JSON.parse(
  readFileSync(join(__dirname, '../../dashboards/ideagraph-cache.json'), 'utf8'),
) as Dashboard;
const panels = dashboard.panels.filter((panel) => panel.type !== 'row');
const expressions = panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
const cacheVariable = dashboard.templating.list.find((variable) => variable.name === 'cache');
const variableQuery =
  typeof cacheVariable?.query === 'string' ? cacheVariable.query : (cacheVariable?.query?.query ?? '');

/** Metric names a PromQL text uses (every name of this module starts with ideagraph_). */
function metricNames(promql: string): string[] {
  return [...promql.matchAll(/\bideagraph_[a-z0-9_]+\b/g)].map((match) => match[0]);
}

describe('the Grafana dashboard (dashboards/ideagraph-cache.json)', () => {
  it('has one row per cache name: a row repeated over a cache variable read from the cache label', () => {
    const rows = dashboard.panels.filter((panel) => panel.type === 'row');
    expect(rows).toEqual([expect.objectContaining({ repeat: 'cache' })]);
    expect(cacheVariable).toMatchObject({ type: 'query' });
    expect(variableQuery).toMatch(/^label_values\(ideagraph_[a-z0-9_]+, cache\)$/);
    // Every query is narrowed to the row's cache.
    for (const expr of expressions) expect(expr).toContain('cache="$cache"');
  });

  it('has the panels operators look for', () => {
    expect(panels.map((panel) => panel.title)).toEqual([
      'Hit ratio and L1 hit ratio',
      'Latency percentiles per operation',
      'Breaker state and faults',
      'Bus state and outages',
      'Recovery queue',
      'getOrSet: stale serves, timeouts and factory calls',
      'Graph token refreshes',
    ]);
    expect(expressions.filter((expr) => expr.startsWith('histogram_quantile('))).toHaveLength(3);
  });

  describe('against a real /metrics scrape of a running app', () => {
    let redis: RedisTestServer;
    let app: INestApplication;

    beforeAll(async () => {
      redis = await RedisTestServer.start();
      // Hybrid, so the tier and bus series exist; a named cache beside it.
      const moduleRef = await Test.createTestingModule({
        imports: [
          envOnlyConfig({ ...redis.env(), CACHE_BACKEND: 'hybrid', CACHE_METRICS_ENABLED: 'true' }),
          IdeaGraphCacheModule.forRootAsync({ isGlobal: true }),
          IdeaGraphCacheModule.forRoot({ name: 'lookups', backend: 'locmem' }),
        ],
      }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      const cache = app.get(CacheManagerService);
      await until(() => cache.getStats().tiers?.bus.live === true, 'the bus', 15_000);
      await cache.set('k', 1);
      await cache.get('k');
      await app.get<CacheManagerService>(cacheToken('lookups')).get('k');
    });
    afterAll(async () => {
      await app?.close();
      await redis?.stop();
    });

    it('every metric name the dashboard queries is one the app exports', async () => {
      const response = await request(app.getHttpServer()).get('/metrics').expect(200);
      const exported = new Set(
        response.text
          .split('\n')
          .filter((line) => line !== '' && !line.startsWith('#'))
          .map((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)![0]),
      );
      const used = new Set([...expressions, variableQuery].flatMap(metricNames));
      // Every panel queries something; a dashboard whose names this test cannot see is broken.
      expect(used.size).toBeGreaterThan(25);
      expect([...used].filter((name) => !exported.has(name))).toEqual([]);
      // The row variable finds both caches.
      const variableMetric = metricNames(variableQuery)[0];
      expect(response.text).toContain(`${variableMetric}{cache="default"`);
      expect(response.text).toContain(`${variableMetric}{cache="lookups"`);
    });
  });
});
