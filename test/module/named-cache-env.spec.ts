import type { DynamicModule, INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import {
  CacheConfigError,
  CacheManagerService,
  cacheOptionsFromConfig,
  cacheToken,
  IdeaGraphCacheModule,
} from '../../src';
import { RedisTestServer } from '../helpers/redis-server';
import { envOnlyConfig } from '../helpers/test-app';

const PASSWORD = 'named-cache-secret';

describe('named caches from the environment (REDIS_URL with a password)', () => {
  let redis: RedisTestServer;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    redis = await RedisTestServer.start({ password: PASSWORD });
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });
  afterAll(async () => {
    await redis?.stop();
  });

  /** The default cache's environment: Redis through a URL that carries the password. */
  const baseEnv = (): Record<string, string> => ({
    CACHE_BACKEND: 'redis',
    REDIS_URL: redis.url,
    CACHE_DEFAULT_TIMEOUT: '120',
  });

  async function boot(env: Record<string, string>, named: DynamicModule): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({
      imports: [envOnlyConfig(env), IdeaGraphCacheModule.forRootAsync({ isGlobal: true }), named],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    apps.push(app);
    await app.init();
    return app;
  }

  async function startupError(env: Record<string, string>, named: DynamicModule): Promise<CacheConfigError> {
    const error = await boot(env, named).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toBeInstanceOf(CacheConfigError);
    return error as CacheConfigError;
  }

  it("forRootAsync({ name }) takes the default cache's settings, each overridden by CACHE_<NAME>_*", async () => {
    const app = await boot(
      { ...baseEnv(), CACHE_REPORTS_REDIS_DB: '2', CACHE_REPORTS_DEFAULT_TIMEOUT: '900' },
      IdeaGraphCacheModule.forRootAsync({ name: 'reports' }),
    );
    const reports = app.get<CacheManagerService>(cacheToken('reports'));
    const main = app.get(CacheManagerService);
    // Authenticated with the URL's password, on its own database, with its own timeout and
    // (by default) its name as the key prefix; the rest is the default cache's.
    expect(reports.getBackendInfo()).toMatchObject({
      backend: 'redis',
      redisDb: 2,
      keyPrefix: 'reports',
      defaultTimeout: 900,
    });
    expect(main.getBackendInfo()).toMatchObject({ redisDb: 0, keyPrefix: '', defaultTimeout: 120 });
    expect(await reports.set('k', 'from reports')).toBe(true);
    expect(await main.set('k', 'from main')).toBe(true);
    expect(redis.cli('-n', '2', 'GET', 'reports:1:k')).toBe('"from reports"');
    expect(redis.cli('-n', '0', 'GET', ':1:k')).toBe('"from main"');
    expect(await reports.ttl('k')).toBeGreaterThan(800);
  });

  it('cacheOptionsFromConfig(config, name) gives the same options to spread in a useFactory', async () => {
    const app = await boot(
      { ...baseEnv(), CACHE_REPORTS_REDIS_DB: '3' },
      IdeaGraphCacheModule.forRootAsync({
        name: 'reports',
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({
          ...cacheOptionsFromConfig(config, 'reports'),
          getOrSet: { grace: 600 },
        }),
      }),
    );
    const reports = app.get<CacheManagerService>(cacheToken('reports'));
    expect(reports.getBackendInfo()).toMatchObject({ redisDb: 3, keyPrefix: 'reports', defaultTimeout: 120 });
    expect(await reports.set('k', 1)).toBe(true);
    expect(redis.cli('-n', '3', 'GET', 'reports:1:k')).toBe('1');
  });

  it('a db override beside a REDIS_URL that names another database is a CacheConfigError, not silence', async () => {
    const env = { ...baseEnv(), REDIS_URL: `${redis.url}/0`, CACHE_REPORTS_REDIS_DB: '1' };
    const error = await startupError(env, IdeaGraphCacheModule.forRootAsync({ name: 'reports' }));
    expect(error.problems).toEqual([
      expect.stringContaining('CACHE_REPORTS_REDIS_DB (redis.db)=1 conflicts with the database 0 in REDIS_URL'),
    ]);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('a db spread over cacheOptionsFromConfig beside a REDIS_URL with a database is a CacheConfigError', async () => {
    const env = { ...baseEnv(), REDIS_URL: `${redis.url}/0` };
    const error = await startupError(
      env,
      IdeaGraphCacheModule.forRootAsync({
        name: 'reports',
        inject: [ConfigService],
        useFactory: (config: ConfigService) => {
          const base = cacheOptionsFromConfig(config);
          return { ...base, redis: { ...base.redis, db: 1 } };
        },
      }),
    );
    expect(error.message).toContain('REDIS_DB (redis.db)=1 conflicts with the database 0 in REDIS_URL (redis.url)');
  });

  it('an override the inherited REDIS_URL would beat (host, port) is a CacheConfigError that says what to set', async () => {
    const error = await startupError(
      { ...baseEnv(), CACHE_REPORTS_REDIS_HOST: 'reports.internal' },
      IdeaGraphCacheModule.forRootAsync({ name: 'reports' }),
    );
    expect(error.problems).toEqual([
      'CACHE_REPORTS_REDIS_HOST is set, but REDIS_URL, which the cache "reports" takes from the default cache, wins over it: set CACHE_REPORTS_REDIS_URL instead',
    ]);
  });

  it('a bad override is reported under the variable that was read', async () => {
    const error = await startupError(
      { ...baseEnv(), CACHE_REPORTS_DEFAULT_TIMEOUT: 'soon' },
      IdeaGraphCacheModule.forRootAsync({ name: 'reports' }),
    );
    expect(error.problems).toEqual([expect.stringMatching(/^CACHE_REPORTS_DEFAULT_TIMEOUT="soon" is invalid/)]);
  });
});
