import type { INestApplication } from '@nestjs/common';
import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import request from 'supertest';
import { CacheManagerService } from '../../src/service/cache-manager.service';
import { rawClusterClient, RedisClusterTest } from '../helpers/redis-cluster';
import { createCacheApp } from '../helpers/test-app';
import { FakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { graphEnv, TENANT } from '../graph/graph-test-app';
import { describeCacheConformance } from '../service/cache-conformance';
import { clientTarget } from '../service/cache-targets';
import { runLoad, summarize } from './load';
import { runTokenFleet } from './token-fleet';

// One cluster for this file: 3 masters with one replica each, so a killed master's slots
// are taken over by its replica. The kill test runs last because it changes the cluster.
let cluster: RedisClusterTest;
beforeAll(async () => {
  cluster = await RedisClusterTest.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

describeCacheConformance('redis cluster', async () =>
  clientTarget(cluster.env(), await rawClusterClient(cluster.seeds)),
);

describe('GraphTokenService on a Redis Cluster', () => {
  let endpoint: FakeTokenEndpoint;
  beforeAll(async () => {
    endpoint = await FakeTokenEndpoint.start();
  });
  afterAll(async () => {
    await endpoint?.stop();
  });

  it('3 cold processes cause exactly 1 token request', async () => {
    // A slow answer keeps the first request open while the other processes arrive.
    endpoint.answerWith({ kind: 'token', delayMs: 300 });
    const results = await runTokenFleet(
      3,
      graphEnv({ ...cluster.env(), CACHE_KEY_PREFIX: 'fleet' }),
      endpoint.msalOptions(TENANT),
    );

    expect(results.map((result) => result.error)).toEqual([undefined, undefined, undefined]);
    expect(new Set(results.map((result) => result.token)).size).toBe(1);
    expect(endpoint.count).toBe(1);
    expect(results.filter((result) => result.source === 'network')).toHaveLength(1);
    expect(results.filter((result) => result.source === 'cache')).toHaveLength(2);
  }, 120_000);
});

describe('CACHE_VALUE_FORMAT=django on a Redis Cluster', () => {
  let app: INestApplication;
  let cache: CacheManagerService;
  let raw: Cluster;

  beforeAll(async () => {
    app = await createCacheApp({
      ...cluster.env(),
      CACHE_KEY_PREFIX: 'pickled',
      CACHE_VALUE_FORMAT: 'django',
      REDIS_COMMAND_TIMEOUT_MS: '2000',
    });
    cache = app.get(CacheManagerService);
    raw = await rawClusterClient(cluster.seeds);
  });
  afterAll(async () => {
    await app?.close();
    await raw?.quit();
  });

  it('setMany and getMany carry pickle bytes unchanged over keys in many slots, with and without a timeout', async () => {
    const entries = Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`bin:${i}`, { i, raw: Buffer.from([0x80, 0xff, i]), text: `ü${i}` }]),
    );
    for (const timeout of [null, 60]) {
      expect(await cache.setMany(entries, timeout)).toBe(true);
      expect(await cache.getMany(Object.keys(entries))).toStrictEqual(entries);
      expect(await cache.get('bin:7')).toStrictEqual(entries['bin:7']);
    }
    expect(new Set(Object.keys(entries).map((key) => calculateSlot(`pickled:1:${key}`))).size).toBeGreaterThan(30);
    expect((await raw.getBuffer('pickled:1:bin:7'))![0]).toBe(0x80);
  });
});

describe('ideagraph-cache on a Redis Cluster', () => {
  let app: INestApplication;
  let cache: CacheManagerService;
  let raw: Cluster;

  beforeAll(async () => {
    app = await createCacheApp({ ...cluster.env(), CACHE_KEY_PREFIX: 'scale', REDIS_COMMAND_TIMEOUT_MS: '2000' });
    cache = app.get(CacheManagerService);
    raw = await rawClusterClient(cluster.seeds);
  });
  afterAll(async () => {
    await app?.close();
    await raw?.quit();
  });

  /** Which master holds a full key, by slot. */
  function ownerOf(fullKey: string): string {
    return raw.slots[calculateSlot(fullKey)][0];
  }

  it('getMany, setMany and deleteMany work over keys in many slots, one MGET per slot', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => `many-${i}`);
    const fullKeys = keys.map((key) => `scale:1:${key}`);
    const slots = new Set(fullKeys.map((key) => calculateSlot(key)));
    expect(slots.size).toBeGreaterThan(250);
    expect(new Set(fullKeys.map(ownerOf)).size).toBe(3);

    expect(await cache.setMany(Object.fromEntries(keys.map((key, i) => [key, { i }])), 60)).toBe(true);
    expect(await cache.setMany({ 'many-forever-a': 'a', 'many-forever-b': 'b' }, null)).toBe(true);
    expect(await raw.ttl('scale:1:many-forever-a')).toBe(-1);
    expect(await raw.ttl('scale:1:many-7')).toBeGreaterThan(50);

    for (const master of cluster.masters()) master.cli('CONFIG', 'RESETSTAT');
    const found = await cache.getMany([...keys, 'many-absent', 'many-forever-b']);
    expect(Object.keys(found)).toHaveLength(301);
    expect(found['many-299']).toEqual({ i: 299 });
    expect(found['many-forever-b']).toBe('b');
    expect(found).not.toHaveProperty('many-absent');
    const mgetCalls = cluster
      .masters()
      .map((master) => Number(/cmdstat_mget:calls=(\d+)/.exec(master.cli('INFO', 'commandstats'))?.[1] ?? 0))
      .reduce((a, b) => a + b, 0);
    const askedSlots = new Set(
      [...keys, 'many-absent', 'many-forever-b'].map((key) => calculateSlot(`scale:1:${key}`)),
    );
    expect(mgetCalls).toBe(askedSlots.size);

    expect(await cache.deleteMany([...keys, 'many-forever-a'])).toBe(true);
    expect(await raw.exists(...fullKeys.slice(0, 1))).toBe(0);
    expect(await cache.getMany(keys)).toEqual({});
    expect(await cache.get('many-forever-b')).toBe('b');
  });

  it('clear() removes this cache’s keys from every master and leaves foreign keys alone', async () => {
    const own = Array.from({ length: 60 }, (_, i) => `clear-${i}`);
    expect(await cache.setMany(Object.fromEntries(own.map((key) => [key, key])), 60)).toBe(true);
    const foreign = Array.from({ length: 60 }, (_, i) => [
      `foreign:1:clear-${i}`,
      `scale:2:clear-${i}`,
      `scalex:1:clear-${i}`,
    ]).flat();
    await Promise.all(foreign.map((key) => raw.set(key, 'theirs')));
    // Both kinds of keys really live on every master.
    expect(new Set(own.map((key) => ownerOf(`scale:1:${key}`))).size).toBe(3);
    expect(new Set(foreign.map(ownerOf)).size).toBe(3);

    expect(await cache.clear()).toBe(true);

    for (const master of cluster.masters()) {
      expect(master.cli('--scan', '--pattern', 'scale:1:clear-*')).toBe('');
    }
    const left = await Promise.all(foreign.map((key) => raw.get(key)));
    expect(left.every((value) => value === 'theirs')).toBe(true);
    await Promise.all(foreign.map((key) => raw.del(key)));
  });

  it('incr, add and touch work on keys of every master', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `counter-${i}`);
    expect(new Set(keys.map((key) => ownerOf(`scale:1:${key}`))).size).toBe(3);
    for (const key of keys) {
      expect(await cache.add(key, 10)).toBe(true);
      expect(await cache.add(key, 99)).toBe(false);
      expect(await cache.incr(key, 5)).toBe(15);
      expect(await cache.touch(key, null)).toBe(true);
      expect(await cache.ttl(key)).toBeNull();
    }
  });

  it('getBackendInfo reports the cluster mode and its seed nodes', () => {
    const info = cache.getBackendInfo();
    expect(info).toMatchObject({ backend: 'redis', backendClass: 'RedisStore', redisMode: 'cluster', redisTls: false });
    expect(info.redisNodes).toEqual(cluster.seeds.split(','));
    expect(info).toMatchObject({ redisHost: '127.0.0.1', redisPort: cluster.servers[0].port, redisDb: 0 });
  });

  it('/health/cache pings every node and reports how many answer, without their addresses', async () => {
    // Replicas join the slot map a little after the masters; the client's periodic refresh picks them up.
    const deadline = Date.now() + 15_000;
    let body: Record<string, unknown> = {};
    while (Date.now() < deadline) {
      body = (await request(app.getHttpServer()).get('/health/cache').expect(200)).body;
      if ((body.nodes as { total?: number } | undefined)?.total === 6) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(body).toStrictEqual({
      status: 'up',
      backend: 'redis',
      nodes: { up: 6, total: 6 },
      masters: { up: 3, total: 3 },
      latencyMs: expect.any(Number),
    });
  }, 20_000);

  it('killing one master under load: every call ends within its time bound, none throws, and its slots come back on the replica', async () => {
    const loadApp = await createCacheApp({
      ...cluster.env(),
      CACHE_KEY_PREFIX: 'kill',
      REDIS_COMMAND_TIMEOUT_MS: '200',
    });
    try {
      const loadCache = loadApp.get(CacheManagerService);
      const victim = cluster.masters()[0];
      const victimAddress = `${victim.host}:${victim.port}`;
      // Outside the load's key space, so only the recovery probe writes it.
      const victimKey = Array.from({ length: 100 }, (_, i) => `probe-${i}`).find(
        (key) => ownerOf(`kill:1:${key}`) === victimAddress,
      );
      expect(victimKey).toBeDefined();

      const load = runLoad(loadCache, { workers: 16, keys: 2000 });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const killedAt = performance.now();
      await victim.kill();

      // Until the replica takes over, a master is missing: /health/cache says so with 503.
      const health = () => request(loadApp.getHttpServer()).get('/health/cache');
      let down: { status: number; body: Record<string, unknown> } = { status: 0, body: {} };
      for (let n = 0; n < 40 && !(down.status === 503 && (down.body.masters as { up?: number })?.up === 2); n++) {
        down = await health();
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(down).toMatchObject({ status: 503, body: { status: 'down', masters: { up: 2, total: 3 } } });

      // Writes to the killed master's slots resume once its replica is promoted.
      let recoveredAfterMs = Number.NaN;
      const deadline = killedAt + 20_000;
      while (performance.now() < deadline) {
        if (await loadCache.set(victimKey!, 'after')) {
          recoveredAfterMs = performance.now() - killedAt;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const result = await load.stop();
      const figures = summarize(result);
      console.log(
        `cluster master kill under load: ${figures.calls} calls, ${figures.fallbacks} fallbacks, ` +
          `latency p50 ${figures.p50} ms, p99 ${figures.p99} ms, max ${figures.max} ms; ` +
          `writes to its slots resumed ${Math.round(recoveredAfterMs)} ms after the kill (cluster-node-timeout 1000 ms)`,
      );
      expect(result.exceptions).toEqual([]);
      // 200 ms bound plus slack for timers and the shared machine.
      expect(figures.max).toBeLessThan(1200);
      expect(recoveredAfterMs).toBeLessThan(20_000);
      expect(await loadCache.get(victimKey!)).toBe('after');
      await cluster.waitUntilHealthy(3, 0);
      // The promoted replica is a master now; the dead node has left the slot map.
      let up: { status: number; body: Record<string, unknown> } = { status: 0, body: {} };
      for (let n = 0; n < 60 && up.status !== 200; n++) {
        up = await health();
        if (up.status !== 200) await new Promise((resolve) => setTimeout(resolve, 250));
      }
      expect(up).toMatchObject({
        status: 200,
        body: { status: 'up', masters: { up: 3, total: 3 }, nodes: { up: 5, total: 5 } },
      });
    } finally {
      await loadApp.close();
    }
  }, 60_000);
});
