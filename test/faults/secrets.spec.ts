import type { INestApplication } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CacheManagerService, cacheOptionsFromConfig, GraphTokenService, IdeaGraphCacheModule } from '../../src';
import { FakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { RedisTestServer } from '../helpers/redis-server';
import { CaptureLogger } from '../helpers/capture-logger';
import { sleep } from './support/timing';
import { envOnlyConfig } from '../helpers/test-app';

const REDIS_PASSWORD = 'redis-pw-S3CRET-a1b2c3';
const WRONG_REDIS_PASSWORD = 'wrong-redis-pw-S3CRET-d4e5f6';
const CLIENT_SECRET = 'graph-client-S3CRET-g7h8i9';
const TENANT = 'secrets-tenant';
/** Every console method a library might write to directly, past the Nest logger. */
const CONSOLE_METHODS = ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const;

interface SecretsApp {
  app: INestApplication;
  cache: CacheManagerService;
  tokens: GraphTokenService;
}

/** Boots the module from `env` with MSAL pointed at the fake endpoint, all Nest log output into `logger`. */
async function startApp(
  env: Record<string, string>,
  logger: CaptureLogger,
  endpoint: FakeTokenEndpoint,
): Promise<SecretsApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      envOnlyConfig(env),
      IdeaGraphCacheModule.forRootAsync({
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: (config: ConfigService) => {
          const options = cacheOptionsFromConfig(config);
          return { ...options, graph: { ...options.graph, msal: endpoint.msalOptions(TENANT) } };
        },
      }),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger });
  await app.init();
  return { app, cache: app.get(CacheManagerService), tokens: app.get(GraphTokenService) };
}

/** Everything an operator or a client could see: thrown errors with their stacks and fields, bodies, info. */
class Evidence {
  readonly parts: string[] = [];

  add(label: string, value: unknown): void {
    this.parts.push(`--- ${label}\n${textOf(value)}`);
  }

  /** Runs `work`; keeps what it threw (its result may be a token, which is meant to be seen by its caller only). */
  async capture<T>(label: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      this.add(`${label} threw`, error);
      return undefined;
    }
  }
}

function textOf(value: unknown): string {
  if (value instanceof Error) {
    const fields = Object.fromEntries(Object.entries(value));
    return `${value.name}: ${value.message}\n${value.stack ?? ''}\n${safeJson(fields)}\n${String(value.cause ?? '')}`;
  }
  return typeof value === 'string' ? value : safeJson(value);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

describe('secrets stay out of logs, errors, getBackendInfo and /health/cache', () => {
  const logger = new CaptureLogger();
  const evidence = new Evidence();
  const consoleLines: string[] = [];
  let server: RedisTestServer;
  let endpoint: FakeTokenEndpoint;

  beforeAll(async () => {
    for (const method of CONSOLE_METHODS) {
      jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        consoleLines.push(`console.${method} ${args.map(textOf).join(' ')}`);
      });
    }
    [server, endpoint] = await Promise.all([
      RedisTestServer.start({ password: REDIS_PASSWORD }),
      FakeTokenEndpoint.start(),
    ]);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await endpoint?.stop();
    await server?.stop();
  });

  function env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      ...server.env(),
      GRAPH_TENANT_ID: TENANT,
      GRAPH_CLIENT_ID: 'secrets-client',
      GRAPH_CLIENT_SECRET: CLIENT_SECRET,
      GRAPH_TOKEN_TIMEOUT_MS: '1000',
      CACHE_HEALTH_CACHE_MS: '0',
      // The most the health endpoint can say, so the secrets are looked for there too.
      CACHE_HEALTH_DETAILS: 'true',
      ...overrides,
    };
  }

  it('a wrong Redis password: the app runs on, /health/cache says 503 "authentication failed"', async () => {
    const run = await startApp(env({ REDIS_PASSWORD: WRONG_REDIS_PASSWORD }), logger, endpoint);
    try {
      const health = await request(run.app.getHttpServer()).get('/health/cache');
      evidence.add('health with wrong password', health.body);
      expect(health.status).toBe(503);
      expect(health.body).toEqual({ status: 'down', backend: 'redis', error: 'authentication failed' });
      await expect(run.cache.set('k', 'v')).resolves.toBe(false);
      evidence.add('getBackendInfo with wrong password', run.cache.getBackendInfo());
      await sleep(600); // a few reconnect attempts, each rejected
    } finally {
      await run.app.close();
    }
  });

  it('a wrong Graph client secret: a typed error without the secret', async () => {
    endpoint.answerWith({ kind: 'invalidClient' });
    const run = await startApp(env(), logger, endpoint);
    try {
      const failure = await run.tokens.getAccessToken().then(
        () => undefined,
        (error: unknown) => error,
      );
      evidence.add('getAccessToken with wrong client secret', failure);
      evidence.add('token status after rejection', run.tokens.status);
      expect(failure).toMatchObject({ name: 'GraphTokenError', code: 'REJECTED' });
      expect(endpoint.requests.some((r) => r.hadSecret)).toBe(true);
    } finally {
      await run.app.close();
      endpoint.reset();
    }
  });

  it('a Redis outage while tokens are cached and refreshed', async () => {
    const run = await startApp(env(), logger, endpoint);
    const http = run.app.getHttpServer();
    try {
      const first = await run.tokens.getAccessToken();
      expect(first).toMatch(/^fake-access-token-/);
      evidence.add('health while up', (await request(http).get('/health/cache')).body);

      server.pause();
      await evidence.capture('forced refresh while Redis hangs', () =>
        run.tokens.getAccessToken({ forceRefresh: true }),
      );
      for (let i = 0; i < 20; i++) await run.cache.set(`token-copy-${i}`, first);
      evidence.add('health while hung', (await request(http).get('/health/cache')).body);
      await run.tokens.invalidate();
      await evidence.capture('token after invalidate while hung', () => run.tokens.getAccessToken());

      await server.kill();
      await sleep(300);
      evidence.add('health while down', (await request(http).get('/health/cache')).body);
      evidence.add('getBackendInfo while down', run.cache.getBackendInfo());
      evidence.add('token status while down', run.tokens.status);
      await server.restart();
      await sleep(1000);
      evidence.add('health after restart', (await request(http).get('/health/cache')).body);
    } finally {
      server.resume();
      await run.app.close();
    }
  }, 30_000);

  it('the search: no secret and no access token in any of it', () => {
    const haystack = [logger.text(), ...consoleLines, ...evidence.parts].join('\n');
    const tokens = endpoint.requests.map((r) => r.accessToken).filter((t): t is string => !!t);
    // The runs did produce the output the search is about.
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    expect(haystack).toMatch(/authentication failed/);
    expect(haystack).toMatch(/GraphTokenError/);
    expect(haystack).toMatch(/timed out|connection refused|connection lost/);
    const found = [REDIS_PASSWORD, WRONG_REDIS_PASSWORD, CLIENT_SECRET, ...tokens].filter((secret) =>
      haystack.includes(secret),
    );
    expect(found).toEqual([]);
  });
});
