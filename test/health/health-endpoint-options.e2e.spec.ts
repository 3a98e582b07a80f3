import { Controller, type DynamicModule, Get, type INestApplication, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CacheConfigError, CacheHealthService, IdeaGraphCacheModule } from '../../src/index';
import { CaptureLogger } from '../helpers/capture-logger';
import { envOnlyConfig } from '../helpers/test-app';

/** ConfigModule over process.env, as an app without a load() factory has it. */
const processEnvConfig = () => ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true });

/** A route of the app's own, so a route log without the health route is known to be a real log. */
@Controller('ping')
class PingController {
  @Get()
  ping(): string {
    return 'pong';
  }
}
@Module({ controllers: [PingController] })
class PingModule {}

interface Booted {
  app: INestApplication;
  /** Nest's route log: one "Controller {/path}:" line per controller, one "Mapped {...}" per route. */
  routes: string[];
}

async function boot(imports: Array<DynamicModule | Promise<DynamicModule> | (new () => unknown)>): Promise<Booted> {
  const moduleRef = await Test.createTestingModule({ imports }).compile();
  const logger = new CaptureLogger();
  const app = moduleRef.createNestApplication({ logger });
  await app.init();
  const routes = logger.lines
    .filter((line) => line.context === 'RoutesResolver' || line.context === 'RouterExplorer')
    .map((line) => line.text);
  return { app, routes };
}

async function startupError(
  imports: Array<DynamicModule | Promise<DynamicModule> | (new () => unknown)>,
): Promise<CacheConfigError> {
  const error = await boot(imports).then(
    async ({ app }) => {
      await app.close();
      return undefined;
    },
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(CacheConfigError);
  return error as CacheConfigError;
}

describe('where the health endpoint is mapped', () => {
  const saved = { ...process.env };
  const apps: INestApplication[] = [];

  beforeEach(() => {
    // forRootAsync() reads CACHE_HEALTH_ENABLED and CACHE_HEALTH_PATH from process.env when
    // it is called; pin the backend so a developer's shell cannot point the apps at Redis.
    process.env.CACHE_BACKEND = 'locmem';
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
    Object.assign(process.env, saved);
  });

  async function started(imports: Parameters<typeof boot>[0]): Promise<Booted> {
    const booted = await boot(imports);
    apps.push(booted.app);
    return booted;
  }

  it('CACHE_HEALTH_ENABLED=false: 404, no health controller and no route in the route log; the service still answers', async () => {
    process.env.CACHE_HEALTH_ENABLED = 'false';
    const { app, routes } = await started([processEnvConfig(), IdeaGraphCacheModule.forRootAsync(), PingModule]);
    await request(app.getHttpServer()).get('/health/cache').expect(404);
    expect(routes).toEqual(['PingController {/ping}:', 'Mapped {/ping, GET} route']);
    await expect(app.get(CacheHealthService).check()).resolves.toMatchObject({ status: 'up', backend: 'locmem' });
  });

  it('forRoot({ health: { enabled: false } }): 404 and no route in the route log', async () => {
    const { app, routes } = await started([
      IdeaGraphCacheModule.forRoot({ backend: 'locmem', health: { enabled: false } }),
      PingModule,
    ]);
    await request(app.getHttpServer()).get('/health/cache').expect(404);
    expect(routes).toEqual(['PingController {/ping}:', 'Mapped {/ping, GET} route']);
  });

  it('CACHE_HEALTH_PATH moves it: the new path answers, the old one 404s', async () => {
    process.env.CACHE_HEALTH_PATH = '/internal/cache-health';
    const { app, routes } = await started([processEnvConfig(), IdeaGraphCacheModule.forRootAsync()]);
    const moved = await request(app.getHttpServer()).get('/internal/cache-health').expect(200);
    expect(moved.body).toMatchObject({ status: 'up', backend: 'locmem' });
    await request(app.getHttpServer()).get('/health/cache').expect(404);
    // Served by a middleware, out of reach of the app's interceptors: no controller route.
    expect(routes.filter((line) => line.startsWith('Mapped'))).toEqual([]);
  });

  it('forRootAsync({ health: { path } }) with a useFactory moves it, and wins over CACHE_HEALTH_PATH', async () => {
    process.env.CACHE_HEALTH_PATH = 'from-env/health';
    const { app } = await started([
      IdeaGraphCacheModule.forRootAsync({
        health: { path: 'from-code/health', details: true },
        useFactory: () => ({ backend: 'dummy' }),
      }),
    ]);
    const response = await request(app.getHttpServer()).get('/from-code/health').expect(200);
    expect(response.body).toMatchObject({ status: 'up', backend: 'dummy', backendClass: 'DummyStore' });
    await request(app.getHttpServer()).get('/from-env/health').expect(404);
    await request(app.getHttpServer()).get('/health/cache').expect(404);
  });

  it('two feature modules importing forRootAsync() at the same path: startup fails with a CacheConfigError', async () => {
    @Module({ imports: [IdeaGraphCacheModule.forRootAsync()] })
    class UsersModule {}
    @Module({ imports: [IdeaGraphCacheModule.forRootAsync()] })
    class OrdersModule {}
    const error = await startupError([processEnvConfig(), UsersModule, OrdersModule]);
    expect(error.message).toContain(
      'health.path (CACHE_HEALTH_PATH)="health/cache" is mounted by 2 imports of IdeaGraphCacheModule',
    );
    expect(error.message).toContain('health: { enabled: false }');
  });

  it('a global import plus a second one with the endpoint disabled: the global one answers', async () => {
    @Module({ imports: [IdeaGraphCacheModule.forRoot({ backend: 'dummy', health: { enabled: false } })] })
    class FeatureModule {}
    const { app } = await started([IdeaGraphCacheModule.forRoot({ backend: 'locmem', isGlobal: true }), FeatureModule]);
    const response = await request(app.getHttpServer()).get('/health/cache').expect(200);
    expect(response.body).toMatchObject({ status: 'up', backend: 'locmem' });
  });

  it('two imports at different paths each report their own backend', async () => {
    @Module({ imports: [IdeaGraphCacheModule.forRoot({ backend: 'dummy', health: { path: 'health/cache-dummy' } })] })
    class FeatureModule {}
    const { app } = await started([IdeaGraphCacheModule.forRoot({ backend: 'locmem' }), FeatureModule]);
    expect((await request(app.getHttpServer()).get('/health/cache').expect(200)).body.backend).toBe('locmem');
    expect((await request(app.getHttpServer()).get('/health/cache-dummy').expect(200)).body.backend).toBe('dummy');
  });

  it("a global prefix applies, as to the app's own routes; other methods are not answered", async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [IdeaGraphCacheModule.forRoot({ backend: 'locmem' }), PingModule],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    app.setGlobalPrefix('api');
    await app.init();
    apps.push(app);
    await request(app.getHttpServer()).get('/api/ping').expect(200);
    const response = await request(app.getHttpServer()).get('/api/health/cache').expect(200);
    expect(response.body).toMatchObject({ status: 'up', backend: 'locmem' });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    await request(app.getHttpServer()).get('/health/cache').expect(404);
    await request(app.getHttpServer()).post('/api/health/cache').expect(404);
  });

  it('CACHE_HEALTH_PATH seen only by ConfigService, after the route was fixed: startup fails and says how to fix it', async () => {
    const error = await startupError([
      envOnlyConfig({ CACHE_HEALTH_PATH: 'late/health' }),
      IdeaGraphCacheModule.forRootAsync(),
    ]);
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain(
      'health.path (CACHE_HEALTH_PATH) is "late/health" in the options resolved at startup, but was "health/cache"',
    );
    expect(error.message).toContain('pass health: { path } to forRootAsync');
  });

  it('bad CACHE_HEALTH_ENABLED and CACHE_HEALTH_PATH are listed once each, in one CacheConfigError with the other bad settings', async () => {
    Object.assign(process.env, {
      CACHE_HEALTH_ENABLED: 'sometimes',
      CACHE_HEALTH_PATH: 'health/:check',
      REDIS_PORT: 'abc',
    });
    const error = await startupError([processEnvConfig(), IdeaGraphCacheModule.forRootAsync()]);
    expect(error.problems).toHaveLength(3);
    expect(error.message).toContain(
      'CACHE_HEALTH_ENABLED="sometimes" is invalid: expected a boolean: true, false, 1, 0, yes, no, on, off (any case)',
    );
    expect(error.message).toContain('CACHE_HEALTH_PATH="health/:check" is invalid: expected a route path');
    expect(error.message).toContain('REDIS_PORT="abc" is invalid');
  });

  it('forRoot with a bad health option fails at startup, listing it once beside the other bad options', async () => {
    const error = await startupError([
      IdeaGraphCacheModule.forRoot({
        backend: 'memcached' as 'redis',
        health: { path: 'health cache', details: 'yes' as unknown as boolean },
      }),
    ]);
    expect(error.problems).toHaveLength(3);
    expect(error.message).toContain('health.path (CACHE_HEALTH_PATH)="health cache" is invalid');
    expect(error.message).toContain('health.details (CACHE_HEALTH_DETAILS)="yes" is invalid');
    expect(error.message).toContain('backend (CACHE_BACKEND)="memcached" is invalid');
  });
});
