import { execFileSync } from 'node:child_process';
import { lookup as dnsLookup } from 'node:dns';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import Redis, { Cluster } from 'ioredis';
import { CacheConfigError, parseCacheEnv, resolveCacheOptions } from '../../src';
import { defaultCacheOptions } from '../../src/config/cache-defaults';
import type { RedisConnectionOptions } from '../../src/config/cache-options';
import { createRedisClient } from '../../src/stores/redis-client.factory';
import { describeTarget, describeTopology, redisSecrets, resolveRedisTopology } from '../../src/stores/redis-topology';
import { CacheManagerService } from '../../src/service/cache-manager.service';
import { freePort } from '../helpers/free-port';
import { RedisProcess } from '../helpers/redis-process';
import { assertRedisInstalled } from '../helpers/redis-server';
import { createCacheApp } from '../helpers/test-app';

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
      connection({
        host: 'h',
        port: 1,
        db: 2,
        password: 'p',
        username: 'u',
        url: 'redis://alice:s%40cret@cache.example:6380/5',
      }),
    );
    expect(topology).toMatchObject({
      mode: 'standalone',
      nodes: [{ host: 'cache.example', port: 6380 }],
      db: 5,
      username: 'alice',
      password: 's@cret',
      tls: false,
    });
  });

  it('keeps the separate settings for what the URL leaves out', () => {
    const topology = resolveRedisTopology(connection({ db: 3, password: 'p', username: 'u', url: 'rediss://[::1]' }));
    expect(topology).toMatchObject({
      nodes: [{ host: '::1', port: 6379 }],
      db: 3,
      username: 'u',
      password: 'p',
      tls: true,
    });
    expect(describeTarget(topology)).toBe('[::1]:6379');
  });

  it('REDIS_TLS turns TLS on without a URL; host and port come from their settings', () => {
    expect(resolveRedisTopology(connection({ host: 'r', port: 7000, tls: true }))).toMatchObject({
      mode: 'standalone',
      nodes: [{ host: 'r', port: 7000 }],
      tls: true,
    });
  });

  it('a cluster NAT map is part of the cluster topology only', () => {
    const natMap = { '10.0.0.1:6379': { host: '127.0.0.1', port: 7000 } };
    expect(
      resolveRedisTopology(connection({ clusterNodes: [{ host: 'a', port: 1 }], clusterNatMap: natMap })).natMap,
    ).toEqual(natMap);
    expect(resolveRedisTopology(connection({ clusterNodes: [{ host: 'a', port: 1 }] }))).not.toHaveProperty('natMap');
  });

  it('cluster nodes select cluster mode; Sentinels with a master name select sentinel mode', () => {
    const nodes = [
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ];
    expect(resolveRedisTopology(connection({ clusterNodes: nodes }))).toMatchObject({ mode: 'cluster', nodes });
    const sentinel = resolveRedisTopology(
      connection({ sentinels: nodes, sentinelMaster: 'm', url: 'redis://:pw@ignored:1/4' }),
    );
    expect(sentinel).toMatchObject({ mode: 'sentinel', nodes, sentinelMaster: 'm', password: 'pw', db: 4 });
    expect(describeTarget(sentinel)).toBe('master "m" via Sentinels a:1,b:2');
  });

  it('the description shows mode and nodes but no credential', () => {
    const topology = resolveRedisTopology(
      connection({ url: 'rediss://bob:hunter22@h:1', sentinels: [{ host: 's', port: 26379 }], sentinelMaster: 'm' }),
    );
    const text = JSON.stringify(describeTopology(topology));
    expect(describeTopology(topology)).toEqual({
      redisMode: 'sentinel',
      redisNodes: ['s:26379'],
      redisSentinelMaster: 'm',
      redisTls: true,
    });
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('bob');
  });

  it('lists every credential for log redaction', () => {
    expect(redisSecrets(connection({ password: 'p1', url: 'redis://:p2@h' })).sort()).toEqual(
      ['p1', 'p2', 'redis://:p2@h'].sort(),
    );
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
      expect((standalone as Redis).options).toMatchObject({
        host: 'h',
        port: 1,
        db: 2,
        password: 'pw',
        enableOfflineQueue: false,
        lazyConnect: true,
      });
      expect(sentinel).toBeInstanceOf(Redis);
      expect((sentinel as Redis).options).toMatchObject({
        name: 'm',
        sentinels: [{ host: 's', port: 2 }],
        enableOfflineQueue: false,
        failoverDetector: true,
      });
      // ioredis gives up on Sentinels for good when this returns null.
      expect((sentinel as Redis).options.sentinelRetryStrategy?.(1000)).toEqual(expect.any(Number));
      expect(cluster).toBeInstanceOf(Cluster);
      const clusterOptions = (cluster as Cluster).options;
      expect(clusterOptions).toMatchObject({
        enableOfflineQueue: false,
        lazyConnect: true,
        slotsRefreshInterval: 5000,
      });
      expect(clusterOptions.redisOptions).toMatchObject({
        password: 'pw',
        maxRetriesPerRequest: 0,
        connectTimeout: 1000,
      });
      expect(clusterOptions.clusterRetryStrategy?.(1000)).toEqual(expect.any(Number));
      expect([standalone, sentinel, cluster].map((client) => client.status)).toEqual(['wait', 'wait', 'wait']);
    } finally {
      for (const client of [standalone, sentinel, cluster]) client.disconnect();
    }
  });

  it('a cluster NAT map reaches ioredis as natMap; without TLS the seeds are resolved as usual', () => {
    const natMap = { '10.0.0.1:6379': { host: 'proxy.internal', port: 7000 } };
    const cluster = createRedisClient(
      connection({ clusterNodes: [{ host: 'proxy.internal', port: 7000 }], clusterNatMap: natMap }),
    ) as Cluster;
    try {
      expect(cluster.options.natMap).toEqual(natMap);
      expect(cluster.options.dnsLookup).toBe(dnsLookup);
      expect(cluster.options.redisOptions?.tls).toBeUndefined();
    } finally {
      cluster.disconnect();
    }
  });

  it('a TLS cluster keeps the seed host names and checks every node’s certificate against the seed’s name', async () => {
    const seeds = [{ host: 'clustercfg.ideagraph.abc123.euw1.cache.amazonaws.com', port: 6379 }];
    const cluster = createRedisClient(connection({ clusterNodes: seeds, tls: true, password: 'pw' })) as Cluster;
    try {
      // ioredis would otherwise connect to the seed's IP, and the nodes it learns are IPs: both fail a name check.
      const lookup = cluster.options.dnsLookup;
      expect(lookup).not.toBe(dnsLookup);
      const looked = await new Promise<string>((resolve, reject) =>
        lookup!(seeds[0].host, (error, address) => (error ? reject(error) : resolve(address))),
      );
      expect(looked).toBe(seeds[0].host);
      expect(cluster.options.redisOptions?.tls).toEqual({ rejectUnauthorized: true, servername: seeds[0].host });
      expect(cluster.options.redisOptions).toMatchObject({ password: 'pw' });
    } finally {
      cluster.disconnect();
    }
  });

  it('a TLS cluster seeded by IP sets no servername (an IP may not be one), and keeps the CA and the check setting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ideagraph-ca-'));
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const cluster = createRedisClient(
      connection({
        clusterNodes: [
          { host: '10.0.0.1', port: 6379 },
          { host: '::1', port: 6380 },
        ],
        tls: true,
        tlsCaFile: caFile,
        tlsRejectUnauthorized: false,
      }),
    ) as Cluster;
    try {
      const tls = cluster.options.redisOptions?.tls;
      expect(tls).toMatchObject({ rejectUnauthorized: false });
      expect(tls).not.toHaveProperty('servername');
      expect(String(tls?.ca)).toContain('BEGIN CERTIFICATE');
    } finally {
      cluster.disconnect();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('standalone and Sentinel with TLS are unchanged: no servername is forced on them', () => {
    const standalone = createRedisClient(connection({ url: 'rediss://cache.internal:6380' })) as Redis;
    try {
      expect(standalone.options.tls).toEqual({ rejectUnauthorized: true });
    } finally {
      standalone.disconnect();
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
    expect(
      configProblems({
        CACHE_BACKEND: 'redis',
        REDIS_URL: 'rediss://u:p@h:6380/1',
        REDIS_TLS_CA_FILE: join(dir, 'ca.pem'),
      }),
    ).toEqual([]);
    expect(
      configProblems({ CACHE_BACKEND: 'redis', REDIS_SENTINELS: 'a:26379,b:26379', REDIS_SENTINEL_MASTER: 'm' }),
    ).toEqual([]);
    expect(configProblems({ CACHE_BACKEND: 'redis', REDIS_CLUSTER_NODES: 'a:7000,b:7001' })).toEqual([]);
  });

  it('Sentinels without a master name, and a master name without Sentinels', () => {
    expect(configProblems({ REDIS_SENTINELS: 'a:26379' })).toEqual([
      expect.stringMatching(/REDIS_SENTINELS .*REDIS_SENTINEL_MASTER .*is not/),
    ]);
    expect(configProblems({ REDIS_SENTINEL_MASTER: 'm' })).toEqual([
      expect.stringMatching(/REDIS_SENTINEL_MASTER .*REDIS_SENTINELS .*is not/),
    ]);
  });

  it('Cluster and Sentinel at once', () => {
    const problems = configProblems({
      REDIS_CLUSTER_NODES: 'a:7000',
      REDIS_SENTINELS: 'a:26379',
      REDIS_SENTINEL_MASTER: 'm',
    });
    expect(problems).toEqual([
      expect.stringMatching(/REDIS_CLUSTER_NODES .*REDIS_SENTINELS .*choose Cluster or Sentinel/),
    ]);
  });

  it('a database other than 0 on a cluster, from REDIS_DB or the URL path', () => {
    expect(configProblems({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_DB: '2' })).toEqual([
      expect.stringContaining('database 0 only'),
    ]);
    expect(configProblems({ REDIS_CLUSTER_NODES: 'a:7000', REDIS_URL: 'redis://:pw@a:7000/3' })).toEqual([
      expect.stringContaining('database 0 only'),
    ]);
  });

  it('a URL path that is not a database number, without echoing the URL', () => {
    const problems = configProblems({ REDIS_URL: 'redis://:topsecret@h:1/cache' });
    expect(problems).toEqual([
      expect.stringContaining('REDIS_URL=<hidden> is invalid: the path must be a database number'),
    ]);
    expect(problems.join()).not.toContain('topsecret');
  });

  it('a CA file that is missing, unreadable as PEM, or set while TLS is off', () => {
    const missing = join(dir, 'missing.pem');
    expect(configProblems({ CACHE_BACKEND: 'redis', REDIS_TLS: 'true', REDIS_TLS_CA_FILE: missing })).toEqual([
      `REDIS_TLS_CA_FILE (redis.tlsCaFile)=${JSON.stringify(missing)} cannot be read (ENOENT)`,
    ]);
    expect(
      configProblems({ CACHE_BACKEND: 'redis', REDIS_TLS: 'true', REDIS_TLS_CA_FILE: join(dir, 'key.pem') }),
    ).toEqual([expect.stringContaining('holds no PEM certificate')]);
    expect(configProblems({ REDIS_TLS_CA_FILE: join(dir, 'ca.pem') })).toEqual([
      expect.stringMatching(/REDIS_TLS_CA_FILE .*TLS is off/),
    ]);
    // The file only matters to the Redis backend.
    expect(configProblems({ CACHE_BACKEND: 'locmem', REDIS_TLS: 'true', REDIS_TLS_CA_FILE: missing })).toEqual([]);
  });

  it('REDIS_CLUSTER_NAT_MAP: announced=reachable pairs, keyed as ioredis looks nodes up (IPv6 without brackets)', () => {
    const options = parseCacheEnv({
      CACHE_BACKEND: 'redis',
      REDIS_CLUSTER_NODES: 'proxy:7000',
      REDIS_CLUSTER_NAT_MAP: ' 10.0.0.1:6379=proxy:7000, [fd00::2]:6379=[::1]:7001 ',
    });
    expect(options.redis.clusterNatMap).toEqual({
      '10.0.0.1:6379': { host: 'proxy', port: 7000 },
      'fd00::2:6379': { host: '::1', port: 7001 },
    });
    expect(
      parseCacheEnv({ REDIS_CLUSTER_NODES: 'a:1', REDIS_CLUSTER_NAT_MAP: '' }).redis.clusterNatMap,
    ).toBeUndefined();
  });

  it('a malformed REDIS_CLUSTER_NAT_MAP, or one without a cluster, is refused at startup', () => {
    for (const text of [
      '10.0.0.1:6379',
      '10.0.0.1:6379=proxy',
      '10.0.0.1:6379=proxy:70000',
      'a:1=b:2=c:3',
      '=proxy:7000',
    ]) {
      expect(configProblems({ REDIS_CLUSTER_NODES: 'a:1', REDIS_CLUSTER_NAT_MAP: text })).toEqual([
        `REDIS_CLUSTER_NAT_MAP=${JSON.stringify(text)} is invalid: expected announced=reachable pairs of host:port, comma-separated`,
      ]);
    }
    expect(configProblems({ REDIS_CLUSTER_NAT_MAP: '10.0.0.1:6379=proxy:7000' })).toEqual([
      expect.stringMatching(
        /REDIS_CLUSTER_NAT_MAP .*REDIS_CLUSTER_NODES .*is not: a NAT map applies to a cluster only/,
      ),
    ]);
  });

  it('forRoot takes redis.clusterNatMap with the same checks', () => {
    const clusterNodes = [{ host: 'proxy', port: 7000 }];
    expect(
      resolveCacheOptions({
        redis: { clusterNodes, clusterNatMap: { '[fd00::2]:6379': { host: 'proxy', port: 7000 } } },
      }).redis.clusterNatMap,
    ).toEqual({
      'fd00::2:6379': { host: 'proxy', port: 7000 },
    });
    expect(() =>
      resolveCacheOptions({ redis: { clusterNodes, clusterNatMap: { '10.0.0.1:6379': { host: 'proxy', port: 0 } } } }),
    ).toThrow(/redis\.clusterNatMap \(REDIS_CLUSTER_NAT_MAP\) is invalid/);
    expect(() =>
      resolveCacheOptions({ redis: { clusterNodes, clusterNatMap: { 'no-port': { host: 'proxy', port: 7000 } } } }),
    ).toThrow(CacheConfigError);
    expect(() =>
      resolveCacheOptions({ redis: { clusterNatMap: { '10.0.0.1:6379': { host: 'proxy', port: 7000 } } } }),
    ).toThrow(/a NAT map applies to a cluster only/);
  });

  it('lists cross-field problems together with malformed settings', () => {
    const problems = configProblems({ REDIS_PORT: 'x', REDIS_SENTINELS: 'a:1' });
    expect(problems).toHaveLength(2);
  });

  it('forRoot options get the same checks', () => {
    expect(() => resolveCacheOptions({ redis: { sentinels: [{ host: 'a', port: 1 }] } })).toThrow(
      /REDIS_SENTINEL_MASTER/,
    );
    expect(() =>
      resolveCacheOptions({ redis: { clusterNodes: [{ host: 'a', port: 1 }], sentinelMaster: 'm' } }),
    ).toThrow(CacheConfigError);
    expect(resolveCacheOptions({ redis: { clusterNodes: [{ host: 'a', port: 1 }] } }).redis.clusterNodes).toEqual([
      { host: 'a', port: 1 },
    ]);
  });
});

/**
 * The review finding, for real: a TLS cluster whose certificate names a host (here
 * "localhost") and not the IPs that CLUSTER SLOTS announces, as managed clusters do. The
 * app must reach every master through it, which it only can if it checks each node's
 * certificate against the seed's name.
 */
describe('a real TLS Redis Cluster whose certificate names a host, not the nodes’ IPs', () => {
  let dir: string;
  const nodes: RedisProcess[] = [];
  let caFile: string;
  const cli = (port: number, ...args: string[]) =>
    execFileSync('redis-cli', ['--tls', '--cacert', caFile, '-h', '127.0.0.1', '-p', String(port), ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    }).trim();

  beforeAll(async () => {
    assertRedisInstalled();
    dir = mkdtempSync(join(tmpdir(), 'ideagraph-tls-cluster-'));
    const file = (name: string) => join(dir, name);
    const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl(
      'req',
      '-x509',
      ...ecKey,
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=ideagraph-cache cluster test CA',
    );
    openssl('req', ...ecKey, '-keyout', file('node.key'), '-out', file('node.csr'), '-subj', '/CN=localhost');
    // No IP in the names: a client that checks a node's certificate against its IP must fail.
    writeFileSync(file('node.ext'), 'subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
    openssl(
      'x509',
      '-req',
      '-in',
      file('node.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-out',
      file('node.pem'),
      '-days',
      '2',
      '-extfile',
      file('node.ext'),
    );
    caFile = file('ca.pem');
    for (let i = 0; i < 3; i++) {
      const port = await freePort();
      nodes.push(
        await RedisProcess.start(port, [
          '--port',
          '0',
          '--tls-port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--tls-cert-file',
          file('node.pem'),
          '--tls-key-file',
          file('node.key'),
          '--tls-ca-cert-file',
          caFile,
          '--tls-auth-clients',
          'no',
          // The cluster bus speaks TLS too, as it must when the plain port is closed.
          '--tls-cluster',
          'yes',
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          file(`nodes-${port}.conf`),
          '--cluster-port',
          String(await freePort()),
          '--save',
          '',
          '--appendonly',
          'no',
          '--dir',
          dir,
          '--loglevel',
          'warning',
        ]),
      );
    }
    cli(
      nodes[0].port,
      '--cluster',
      'create',
      ...nodes.map((node) => `127.0.0.1:${node.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    );
    const deadline = Date.now() + 20_000;
    while (!nodes.every((node) => /cluster_state:ok/.test(cli(node.port, 'CLUSTER', 'INFO')))) {
      if (Date.now() > deadline) throw new Error('TLS cluster not healthy within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.kill()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a node addressed by its IP fails the certificate check, as the nodes from CLUSTER SLOTS are', async () => {
    const error = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
      const socket = tlsConnect({ host: '127.0.0.1', port: nodes[0].port, ca: [readFileSync(caFile)] });
      socket.once('secureConnect', () => {
        socket.destroy();
        reject(new Error('the certificate was accepted for 127.0.0.1; this test would prove nothing'));
      });
      socket.once('error', resolve);
    });
    expect(error.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('the module reaches every master, with the certificate check on, seeded by the host name', async () => {
    const app = await createCacheApp({
      CACHE_BACKEND: 'redis',
      REDIS_CLUSTER_NODES: `localhost:${nodes[0].port}`,
      REDIS_TLS: 'true',
      REDIS_TLS_CA_FILE: caFile,
      CACHE_KEY_PREFIX: 'tls-cluster',
      // The first call waits for the slot map and three TLS handshakes on a shared machine.
      REDIS_COMMAND_TIMEOUT_MS: '5000',
    });
    try {
      const cache = app.get(CacheManagerService);
      const keys = Array.from({ length: 30 }, (_, i) => `node-${i}`);
      // The nodes announce themselves by IP, which the certificate does not name.
      expect(cli(nodes[0].port, 'CLUSTER', 'SLOTS')).toContain('127.0.0.1');
      expect(await cache.setMany(Object.fromEntries(keys.map((key) => [key, key])), 60)).toBe(true);
      // Every master took its share: the app got past each node's certificate check.
      expect(nodes.map((node) => Number(cli(node.port, 'DBSIZE')) > 0)).toEqual([true, true, true]);
      expect(Object.keys(await cache.getMany(keys))).toHaveLength(keys.length);
      expect(await cache.clear()).toBe(true);
      expect(await cache.getMany(keys)).toEqual({});
    } finally {
      await app.close();
    }
  }, 30_000);
});
