import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis, { Cluster } from 'ioredis';
import { CacheConfigError, parseCacheEnv, resolveCacheOptions } from '../../src';
import { defaultCacheOptions } from '../../src/config/cache-defaults';
import type { RedisConnectionOptions } from '../../src/config/cache-options';
import { createRedisClient } from '../../src/stores/redis-client.factory';
import { describeTarget, describeTopology, redisSecrets, resolveRedisTopology } from '../../src/stores/redis-topology';

function connection(overrides: Partial<RedisConnectionOptions> = {}): RedisConnectionOptions {
  return { ...defaultCacheOptions().redis, ...overrides };
}

function configProblems(env: Record<string, string>): string[] {
  try {
    parseCacheEnv(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(CacheConfigError);
    return (error as CacheConfigError).problems;
  }
}

describe('resolveRedisTopology', () => {
  it('REDIS_URL wins over host, port, db and password, and its user over REDIS_USERNAME', () => {
    const topology = resolveRedisTopology(
      connection({ host: 'h', port: 1, db: 2, password: 'p', username: 'u', url: 'redis://alice:s%40cret@cache.example:6380/5' }),
    );
    expect(topology).toMatchObject({ mode: 'standalone', nodes: [{ host: 'cache.example', port: 6380 }], db: 5, username: 'alice', password: 's@cret', tls: false });
  });

  it('keeps the separate settings for what the URL leaves out', () => {
    const topology = resolveRedisTopology(connection({ db: 3, password: 'p', username: 'u', url: 'rediss://[::1]' }));
    expect(topology).toMatchObject({ nodes: [{ host: '::1', port: 6379 }], db: 3, username: 'u', password: 'p', tls: true });
    expect(describeTarget(topology)).toBe('[::1]:6379');
  });

  it('REDIS_TLS turns TLS on without a URL; host and port come from their settings', () => {
    expect(resolveRedisTopology(connection({ host: 'r', port: 7000, tls: true }))).toMatchObject({ mode: 'standalone', nodes: [{ host: 'r', port: 7000 }], tls: true });
  });

  it('cluster nodes select cluster mode; Sentinels with a master name select sentinel mode', () => {
    const nodes = [{ host: 'a', port: 1 }, { host: 'b', port: 2 }];
    expect(resolveRedisTopology(connection({ clusterNodes: nodes }))).toMatchObject({ mode: 'cluster', nodes });
    const sentinel = resolveRedisTopology(connection({ sentinels: nodes, sentinelMaster: 'm', url: 'redis://:pw@ignored:1/4' }));
    expect(sentinel).toMatchObject({ mode: 'sentinel', nodes, sentinelMaster: 'm', password: 'pw', db: 4 });
    expect(describeTarget(sentinel)).toBe('master "m" via Sentinels a:1,b:2');
  });

  it('the description shows mode and nodes but no credential', () => {
    const topology = resolveRedisTopology(connection({ url: 'rediss://bob:hunter22@h:1', sentinels: [{ host: 's', port: 26379 }], sentinelMaster: 'm' }));
    const text = JSON.stringify(describeTopology(topology));
    expect(describeTopology(topology)).toEqual({ redisMode: 'sentinel', redisNodes: ['s:26379'], redisSentinelMaster: 'm', redisTls: true });
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('bob');
  });

  it('lists every credential for log redaction', () => {
    expect(redisSecrets(connection({ password: 'p1', url: 'redis://:p2@h' })).sort()).toEqual(['p1', 'p2', 'redis://:p2@h'].sort());
    expect(redisSecrets(connection())).toEqual([]);
  });
});

describe('createRedisClient builds the client of each mode with the same time bounds', () => {
  it('standalone and sentinel give a Redis client, cluster a Cluster client, none connected yet', () => {
    const standalone = createRedisClient(connection({ url: 'redis://:pw@h:1/2' }));
    const sentinel = createRedisClient(connection({ sentinels: [{ host: 's', port: 2 }], sentinelMaster: 'm' }));
    const cluster = createRedisClient(connection({ clusterNodes: [{ host: 'c', port: 3 }], password: 'pw' }));
    try {
      expect(standalone).toBeInstanceOf(Redis);
      expect((standalone as Redis).options).toMatchObject({ host: 'h', port: 1, db: 2, password: 'pw', enableOfflineQueue: false, lazyConnect: true });
      expect(sentinel).toBeInstanceOf(Redis);
      expect((sentinel as Redis).options).toMatchObject({ name: 'm', sentinels: [{ host: 's', port: 2 }], enableOfflineQueue: false, failoverDetector: true });
      // ioredis gives up on Sentinels for good when this returns null.
      expect((sentinel as Redis).options.sentinelRetryStrategy?.(1000)).toEqual(expect.any(Number));
      expect(cluster).toBeInstanceOf(Cluster);
      const clusterOptions = (cluster as Cluster).options;
      expect(clusterOptions).toMatchObject({ enableOfflineQueue: false, lazyConnect: true, slotsRefreshInterval: 5000 });
      expect(clusterOptions.redisOptions).toMatchObject({ password: 'pw', maxRetriesPerRequest: 0, connectTimeout: 1000 });
      expect(clusterOptions.clusterRetryStrategy?.(1000)).toEqual(expect.any(Number));
      expect([standalone, sentinel, cluster].map((client) => client.status)).toEqual(['wait', 'wait', 'wait']);
    } finally {
      for (const client of [standalone, sentinel, cluster]) client.disconnect();
    }
  });

  it('TLS reads the CA file and keeps certificate checks on by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ideagraph-ca-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const client = createRedisClient(connection({ url: 'rediss://h:1', tlsCaFile: caFile })) as Redis;
    try {
      expect(client.options.tls?.rejectUnauthorized).toBe(true);
      expect(String(client.options.tls?.ca)).toContain('BEGIN CERTIFICATE');
    } finally {
      client.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('startup validation of the scale-out settings', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ideagraph-rules-'));
    writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(join(dir, 'key.pem'), '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a complete configuration of each mode', () => {
    expect(configProblems({ CACHE_BACKEND: 'redis', REDIS_URL: 'rediss://u:p@h:6380/1', REDIS_TLS_CA_FILE: join(dir, 'ca.pem') })).toEqual([]);
    expect(configProblems({ CACHE_BACKEND: 'redis', REDIS_SENTINELS: 'a:26379,b:26379', REDIS_SENTINEL_MASTER: 'm' })).toEqual([]);
    expect(configProblems({ CACHE_BACKEND: 'redis', REDIS_CLUSTER_NODES: 'a:7000,b:7001' })).toEqual([]);
  });

  it('Sentinels without a master name, and a master name without Sentinels', () => {
    expect(configProblems({ REDIS_SENTINELS: 'a:26379' })).toEqual([expect.stringMatching(/REDIS_SENTINELS .*REDIS_SENTINEL_MASTER .*is not/)]);
    expect(configProblems({ REDIS_SENTINEL_MASTER: 'm' })).toEqual([expect.stringMatching(/REDIS_SENTINEL_MASTER .*REDIS_SENTINELS .*is not/)]);
  });

  it('Cluster and Sentinel at once', () => {
    const problems = configProblems({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_SENTINELS: 'a:26379', REDIS_SENTINEL_MASTER: 'm' });
    expect(problems).toEqual([expect.stringMatching(/REDIS_CLUSTER_NODES .*REDIS_SENTINELS .*choose Cluster or Sentinel/)]);
  });

  it('a database other than 0 on a cluster, from REDIS_DB or the URL path', () => {
    expect(configProblems({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_DB: '2' })).toEqual([expect.stringContaining('database 0 only')]);
    expect(configProblems({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_URL: 'redis://:pw@a:7000/3' })).toEqual([expect.stringContaining('database 0 only')]);
  });

  it('a URL path that is not a database number, without echoing the URL', () => {
    const problems = configProblems({ REDIS_URL: 'redis://:topsecret@h:1/cache' });
    expect(problems).toEqual([expect.stringContaining('REDIS_URL=<hidden> is invalid: the path must be a database number')]);
    expect(problems.join()).not.toContain('topsecret');
  });

  it('a CA file that is missing, unreadable as PEM, or set while TLS is off', () => {
    const missing = join(dir, 'missing.pem');
    expect(configProblems({ CACHE_BACKEND: 'redis', REDIS_TLS: 'true', REDIS_TLS_CA_FILE: missing })).toEqual([
      `REDIS_TLS_CA_FILE (redis.tlsCaFile)=${JSON.stringify(missing)} cannot be read (ENOENT)`,
    ]);
    expect(configProblems({ CACHE_BACKEND: 'redis', REDIS_TLS: 'true', REDIS_TLS_CA_FILE: join(dir, 'key.pem') })).toEqual([
      expect.stringContaining('holds no PEM certificate'),
    ]);
    expect(configProblems({ REDIS_TLS_CA_FILE: join(dir, 'ca.pem') })).toEqual([expect.stringMatching(/REDIS_TLS_CA_FILE .*TLS is off/)]);
    // The file only matters to the Redis backend.
    expect(configProblems({ CACHE_BACKEND: 'locmem', REDIS_TLS: 'true', REDIS_TLS_CA_FILE: missing })).toEqual([]);
  });

  it('lists cross-field problems together with malformed settings', () => {
    const problems = configProblems({ REDIS_PORT: 'x', REDIS_SENTINELS: 'a:1' });
    expect(problems).toHaveLength(2);
  });

  it('forRoot options get the same checks', () => {
    expect(() => resolveCacheOptions({ redis: { sentinels: [{ host: 'a', port: 1 }] } })).toThrow(/REDIS_SENTINEL_MASTER/);
    expect(() => resolveCacheOptions({ redis: { clusterNodes: [{ host: 'a', port: 1 }], sentinelMaster: 'm' } })).toThrow(CacheConfigError);
    expect(resolveCacheOptions({ redis: { clusterNodes: [{ host: 'a', port: 1 }] } }).redis.clusterNodes).toEqual([{ host: 'a', port: 1 }]);
  });
});
