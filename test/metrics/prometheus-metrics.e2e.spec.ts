import { Controller, Get, Param, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CacheConfigError, CacheManagerService, GraphTokenService, IdeaGraphCacheModule } from '../../src/index';
import { FakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { createHostApp } from '../helpers/ecosystem-app';

describe('Prometheus endpoint', () => {
  it('is off by default', async () => {
    const app = await createHostApp({ CACHE_BACKEND: 'locmem' });
    try {
      await request(app.getHttpServer()).get('/metrics').expect(404);
    } finally {
      await app.close();
    }
  });

  @Controller('users')
  class UsersController {
    @Get(':id')
    user(@Param('id') id: string): string {
      return `user ${id}`;
    }
  }

  it.each(['*', 'users/:id', 'users/*', '(.*)'])(
    'a path with a route wildcard or parameter (%p) is refused at startup, and takes over no route',
    async (path) => {
      const started = createHostApp(
        { CACHE_BACKEND: 'locmem', CACHE_METRICS_ENABLED: 'true', CACHE_METRICS_PATH: path },
        { controllers: [UsersController] },
      );
      const error = await started.then(
        async (app) => {
          // Before the check, the app started and its own route answered with the metrics text.
          const answer = await request(app.getHttpServer()).get('/users/7');
          await app.close();
          return new Error(`started; /users/7 answered ${JSON.stringify(answer.text.slice(0, 60))}`);
        },
        (refused: unknown) => refused,
      );
      expect(error).toBeInstanceOf(CacheConfigError);
      expect((error as Error).message).toMatch(/CACHE_METRICS_PATH=.* is invalid: expected a route path/);
    },
  );

  it('a plain metrics path leaves the routes of the app alone', async () => {
    const app = await createHostApp(
      { CACHE_BACKEND: 'locmem', CACHE_METRICS_ENABLED: 'true', CACHE_METRICS_PATH: '/users/metrics/' },
      { controllers: [UsersController] },
    );
    try {
      expect((await request(app.getHttpServer()).get('/users/7').expect(200)).text).toBe('user 7');
      expect((await request(app.getHttpServer()).get('/users/metrics').expect(200)).text).toContain(
        'ideagraph_cache_hits_total',
      );
    } finally {
      await app.close();
    }
  });

  describe('switched on at a custom path', () => {
    let app: INestApplication;

    beforeAll(async () => {
      app = await createHostApp({
        CACHE_BACKEND: 'locmem',
        CACHE_METRICS_ENABLED: 'true',
        CACHE_METRICS_PATH: 'ops/metrics',
        GRAPH_CLIENT_SECRET: 'never-in-metrics',
      });
    });

    afterAll(async () => {
      await app?.close();
    });

    it('serves the cache counters, breaker state and the latency histogram in the text format', async () => {
      const cache = app.get(CacheManagerService);
      await cache.set('a', 1);
      await cache.get('a');
      await cache.get('b');
      await cache.get('c');

      const response = await request(app.getHttpServer()).get('/ops/metrics').expect(200);
      expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const lines = response.text.split('\n');
      expect(lines).toEqual(
        expect.arrayContaining([
          'ideagraph_cache_hits_total{cache="default",backend="locmem"} 1',
          'ideagraph_cache_misses_total{cache="default",backend="locmem"} 2',
          'ideagraph_cache_sets_total{cache="default",backend="locmem"} 1',
          'ideagraph_cache_errors_total{cache="default",backend="locmem"} 0',
          'ideagraph_cache_breaker_state{cache="default",backend="locmem",state="closed"} 1',
          'ideagraph_cache_breaker_state{cache="default",backend="locmem",state="open"} 0',
          'ideagraph_cache_operations_total{cache="default",backend="locmem",operation="get"} 3',
          'ideagraph_cache_recovery_queued_total{cache="default",backend="locmem"} 0',
          'ideagraph_cache_recovery_made_good_total{cache="default",backend="locmem"} 0',
          'ideagraph_cache_recovery_overflowed_total{cache="default",backend="locmem"} 0',
          'ideagraph_cache_recovery_pending{cache="default",backend="locmem"} 0',
          'ideagraph_cache_factory_calls_total{cache="default",backend="locmem"} 0',
          'ideagraph_cache_stale_serves_total{cache="default",backend="locmem"} 0',
          'ideagraph_cache_fleet_lock_waits_total{cache="default",backend="locmem"} 0',
          '# TYPE ideagraph_cache_hits_total counter',
        ]),
      );
      expect(lines).toContain('# TYPE ideagraph_cache_operation_duration_seconds histogram');
      expect(lines).toContain(
        'ideagraph_cache_operation_duration_seconds_bucket{cache="default",backend="locmem",operation="get",le="+Inf"} 3',
      );
      expect(lines).toContain(
        'ideagraph_cache_operation_duration_seconds_count{cache="default",backend="locmem",operation="get"} 3',
      );
      expect(response.text).toMatch(
        /^ideagraph_cache_operation_duration_seconds_sum\{cache="default",backend="locmem",operation="get"\} [0-9.e-]+$/m,
      );
      expect(response.text).not.toContain('never-in-metrics');
    });

    it('reads fresh values on every scrape', async () => {
      await app.get(CacheManagerService).get('a');
      const response = await request(app.getHttpServer()).get('/ops/metrics').expect(200);
      expect(response.text).toContain('ideagraph_cache_hits_total{cache="default",backend="locmem"} 2\n');
    });

    it('includes the Graph token counters', async () => {
      const response = await request(app.getHttpServer()).get('/ops/metrics').expect(200);
      for (const name of ['memory_hits', 'cache_hits', 'network_fetches', 'network_failures', 'lock_waits']) {
        expect(response.text).toContain(`\nideagraph_graph_token_${name}_total{cache="default"} 0\n`);
      }
    });

    it('does not answer other methods', async () => {
      await request(app.getHttpServer()).post('/ops/metrics').expect(404);
    });
  });

  describe('with GraphTokenService in use', () => {
    const tenant = 'metrics-tenant';
    const secret = 'graph-secret-not-in-metrics';
    let endpoint: FakeTokenEndpoint;
    let app: INestApplication;

    beforeAll(async () => {
      endpoint = await FakeTokenEndpoint.start();
      const moduleRef = await Test.createTestingModule({
        imports: [
          IdeaGraphCacheModule.forRoot({
            backend: 'locmem',
            metrics: { enabled: true },
            graph: {
              tenantId: tenant,
              clientId: 'metrics-client',
              clientSecret: secret,
              msal: endpoint.msalOptions(tenant),
            },
          }),
        ],
      }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.init();
    });

    afterAll(async () => {
      await app?.close();
      await endpoint?.stop();
    });

    it('counts network fetches and memory hits of the token service', async () => {
      const tokens = app.get(GraphTokenService);
      const token = await tokens.getAccessToken();
      expect(await tokens.getAccessToken()).toBe(token);
      expect(endpoint.count).toBe(1);

      const response = await request(app.getHttpServer()).get('/metrics').expect(200);
      expect(response.text).toContain('\nideagraph_graph_token_network_fetches_total{cache="default"} 1\n');
      expect(response.text).toContain('\nideagraph_graph_token_memory_hits_total{cache="default"} 1\n');
      expect(response.text).toContain('\nideagraph_graph_token_cache_hits_total{cache="default"} 0\n');
      expect(response.text).not.toContain(token);
      expect(response.text).not.toContain(secret);
    });
  });
});
