import type { INestApplication, LoggerService } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import {
  CacheConfigError,
  CacheManagerService,
  cacheOptionsFromConfig,
  GraphTokenService,
  IdeaGraphCacheModule,
} from '../../src';
import type { FakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { envOnlyConfig } from '../helpers/test-app';

export const TENANT = 'test-tenant';
/** Must never show up in a log line, an error or a cache value. */
export const CLIENT_SECRET = 'S3cr3t-Value-Never-Logged';

/** The GRAPH_* variables of a configured app registration. */
export function graphEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CACHE_BACKEND: 'locmem',
    GRAPH_TENANT_ID: TENANT,
    GRAPH_CLIENT_ID: 'client-1',
    GRAPH_CLIENT_SECRET: CLIENT_SECRET,
    GRAPH_TOKEN_TIMEOUT_MS: '3000',
    ...overrides,
  };
}

export interface GraphTestApp {
  app: INestApplication;
  tokens: GraphTokenService;
  cache: CacheManagerService;
  /** Every line the app logged, with its level. */
  logs: string[];
  close(): Promise<void>;
}

/**
 * Boots a Nest app with the module configured from `env` alone (the way a host app does
 * with ConfigService), its MSAL pointed at the fake endpoint the way the README shows.
 */
export async function startGraphApp(
  env: Record<string, string>,
  endpoint?: FakeTokenEndpoint | { msalOptions(tenantId: string): object },
): Promise<GraphTestApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      envOnlyConfig(env),
      IdeaGraphCacheModule.forRootAsync({
        imports: [ConfigModule],
        inject: [ConfigService],
        useFactory: (config: ConfigService) => {
          const o = cacheOptionsFromConfig(config);
          if (!endpoint) return o;
          return { ...o, graph: { ...o.graph, msal: endpoint.msalOptions(o.graph.tenantId ?? TENANT) } };
        },
      }),
    ],
  }).compile();
  const logs: string[] = [];
  const app = moduleRef.createNestApplication({ logger: captureLogger(logs) });
  await app.init();
  return {
    app,
    tokens: app.get(GraphTokenService),
    cache: app.get(CacheManagerService),
    logs,
    close: () => app.close(),
  };
}

function captureLogger(lines: string[]): LoggerService {
  const record =
    (level: string) =>
    (message: unknown, ...rest: unknown[]) => {
      lines.push(
        `${level} ${[message, ...rest].map((part) => (part instanceof Error ? `${part.message} ${part.stack}` : String(part))).join(' ')}`,
      );
    };
  return {
    log: record('log'),
    error: record('error'),
    warn: record('warn'),
    debug: record('debug'),
    verbose: record('verbose'),
    fatal: record('fatal'),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The problems of the CacheConfigError that `run` throws; fails the test if it throws none. */
export function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CacheConfigError);
    return (error as CacheConfigError).problems;
  }
  throw new Error('expected a CacheConfigError');
}
