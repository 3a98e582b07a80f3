import type { INestApplication } from '@nestjs/common';
import Redis, { Cluster } from 'ioredis';
import { CacheManagerService } from '../../src/service/cache-manager.service';
import { createCacheApp } from '../helpers/test-app';
import type { ConformanceTarget } from '../service/cache-conformance';
import { siblingCache } from '../service/cache-targets';

/** A cache app plus a plain ioredis client (Cluster or Sentinel) on the same data, for the conformance suite. */
export async function topologyTarget(
  env: Record<string, string>,
  client: Redis | Cluster,
): Promise<ConformanceTarget & { app: INestApplication }> {
  const app = await createCacheApp({
    ...env,
    // Time bounds are the fault suites' subject; a stall on the shared machine must not turn a correct answer into a fallback.
    REDIS_COMMAND_TIMEOUT_MS: '2000',
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

/** A plain Cluster client for checks from outside the module. */
export async function rawClusterClient(seeds: string): Promise<Cluster> {
  const nodes = seeds.split(',').map((seed) => ({ host: seed.split(':')[0], port: Number(seed.split(':')[1]) }));
  const cluster = new Cluster(nodes, { lazyConnect: true, redisOptions: { maxRetriesPerRequest: 1 } });
  await cluster.connect();
  return cluster;
}
