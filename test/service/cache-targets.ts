import type { INestApplication } from '@nestjs/common';
import Redis, { type Cluster } from 'ioredis';
import type { IdeaGraphCacheOptions } from '../../src/config/cache-options';
import { CACHE_OPTIONS } from '../../src/common/cache.tokens';
import { GuardedStore } from '../../src/resilience/guarded-store';
import { CacheManagerService } from '../../src/service/cache-manager.service';
import { RedisTestServer } from '../helpers/redis-server';
import { createCacheApp } from '../helpers/test-app';
import type { ConformanceTarget } from './cache-conformance';

/**
 * A second cache on the same backend with another version: what clear() must leave alone.
 * Built by hand because no app would configure two versions at once.
 */
export function siblingCache(app: INestApplication): CacheManagerService {
  const options = app.get<IdeaGraphCacheOptions>(CACHE_OPTIONS);
  return new CacheManagerService({ ...options, version: options.version + 1 }, app.get(GuardedStore));
}

/** A locmem app configured from `env`, ready for the conformance suite. */
export async function locmemTarget(
  env: Record<string, string> = {},
): Promise<ConformanceTarget & { app: INestApplication }> {
  const app = await createCacheApp({ CACHE_BACKEND: 'locmem', ...env });
  return { app, cache: app.get(CacheManagerService), sibling: siblingCache(app), close: () => app.close() };
}

/** Where the Redis suites run: REDIS_TEST_URL when set (a Redis the tests may clear), else a fresh redis-server. */
export interface RedisTarget {
  env: Record<string, string>;
  url: string;
  stop(): Promise<void>;
}

export async function startRedisTarget(): Promise<RedisTarget> {
  const external = process.env.REDIS_TEST_URL;
  if (external) return { env: envFromUrl(external), url: external, stop: async () => undefined };
  const server = await RedisTestServer.start();
  return { env: server.env(), url: server.url, stop: () => server.stop() };
}

/** A Redis app and a plain ioredis client on the same server, for the conformance suite. */
export async function redisTarget(
  redis: RedisTarget,
  env: Record<string, string> = {},
): Promise<ConformanceTarget & { app: INestApplication }> {
  const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return clientTarget({ ...redis.env, ...env }, client);
}

/**
 * A cache app configured from `env`, plus `client` (standalone, Cluster or Sentinel) reading
 * the same data from outside the module. The app owns nothing of the client but closes it.
 */
export async function clientTarget(
  env: Record<string, string>,
  client: Redis | Cluster,
): Promise<ConformanceTarget & { app: INestApplication }> {
  const app = await createCacheApp({
    // Time bounds are the fault suites' subject; here a scheduling stall on the shared
    // machine must not turn a correct answer into a fallback.
    REDIS_COMMAND_TIMEOUT_MS: '2000',
    ...env,
  });
  return {
    app,
    cache: app.get(CacheManagerService),
    sibling: siblingCache(app),
    raw: {
      get: (key) => client.get(key),
      set: (key, value) => client.set(key, value),
      ttl: (key) => client.ttl(key),
      incrBy: (key, delta) => client.incrby(key, delta),
      del: (key) => client.del(key),
    },
    close: async () => {
      await app.close();
      await client.quit();
    },
  };
}

function envFromUrl(text: string): Record<string, string> {
  const url = new URL(text);
  const db = url.pathname.replace(/^\//, '');
  return {
    CACHE_BACKEND: 'redis',
    REDIS_HOST: url.hostname,
    REDIS_PORT: url.port || '6379',
    ...(db ? { REDIS_DB: db } : {}),
    ...(url.password ? { REDIS_PASSWORD: decodeURIComponent(url.password) } : {}),
  };
}
