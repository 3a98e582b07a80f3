import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import {
  CUT_MS,
  deleteTen,
  expectClearedOnOverflow,
  expectLoadsMadeGood,
  expectOverflowedOnce,
  old,
  OwnKeyLoad,
  PartitionTestbed,
  pendingWrites,
  pollUntilMadeGood,
} from '../faults/support/partition-load';
import { sleep, waitFor } from '../faults/support/timing';
import { rawClusterClient, RedisClusterTest } from '../helpers/redis-cluster';
import { type CutMode, TcpProxy } from '../helpers/tcp-proxy';

/**
 * The app is partitioned from every node of a Redis Cluster that keeps running (its nodes
 * still see each other): the same promise as on one server, that a write which failed
 * during the cut leaves no value it meant to change once the network heals. On a cluster
 * the repair is spread over the masters, and a failed clear() must reach every master.
 *
 * Each node has a TCP proxy in front of it, and the app learns the proxies from the NAT
 * map (CLUSTER SLOTS announces the nodes' own addresses). The checks read the nodes
 * directly, past the proxies.
 */

/** A partition with no RST: the harder case for a cluster client, which must notice every node by timeouts. */
const MODE: CutMode = 'blackhole';

describe(`a network partition (${MODE}) between the app and every node of a Redis Cluster`, () => {
  let cluster: RedisClusterTest;
  const proxies: TcpProxy[] = [];
  /** Straight to the nodes, past the proxies. */
  let direct: Cluster;
  /** The apps and loads of the running test. */
  let bed: PartitionTestbed;

  beforeAll(async () => {
    // No replicas: nothing fails over (the nodes never lose each other), and every announced node needs a proxy.
    cluster = await RedisClusterTest.start({ masters: 3, replicasPerMaster: 0 });
    for (const server of cluster.servers) proxies.push(await TcpProxy.start({ host: server.host, port: server.port }));
    direct = await rawClusterClient(cluster.seeds);
  }, 60_000);

  afterAll(async () => {
    await direct?.quit();
    for (const proxy of proxies) await proxy.close();
    await cluster?.stop();
  });

  beforeEach(async () => {
    bed = new PartitionTestbed();
    for (const proxy of proxies) await proxy.heal();
    await Promise.all(direct.nodes('master').map((node) => node.flushall()));
  });

  afterEach(async () => {
    await bed.close();
  });

  function envFor(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      CACHE_BACKEND: 'redis',
      REDIS_CLUSTER_NODES: proxies.map((proxy) => proxy.address).join(','),
      REDIS_CLUSTER_NAT_MAP: cluster.servers
        .map((server, i) => `${server.host}:${server.port}=${proxies[i].address}`)
        .join(','),
      CACHE_KEY_PREFIX: prefix,
      ...extra,
    };
  }

  const cutAll = (): Promise<unknown> => Promise.all(proxies.map((proxy) => proxy.cut(MODE)));
  const healAll = (): Promise<unknown> => Promise.all(proxies.map((proxy) => proxy.heal()));

  async function seed(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => direct.set(key, old(key))));
  }

  async function values(keys: string[]): Promise<(string | null)[]> {
    return Promise.all(keys.map((key) => direct.get(key)));
  }

  async function changed(keys: string[]): Promise<string[]> {
    const now = await values(keys);
    return keys.filter((key, i) => now[i] !== old(key));
  }

  function mastersOf(keys: string[]): number {
    return new Set(keys.map((key) => direct.slots[calculateSlot(key)][0])).size;
  }

  it('writes that failed during the cut are made good on every master within 2 s of healing; nothing else is touched', async () => {
    const a = await bed.start(envFor('ca'));
    const b = await bed.start(envFor('cb'));

    const many = (name: string) => Array.from({ length: 12 }, (_, i) => `${name}-${i}`);
    const target = {
      deleted: many('del'),
      overwritten: many('set'),
      setMany: many('many-set'),
      deleteMany: many('many-del'),
      clearedByB: Array.from({ length: 30 }, (_, i) => `cb:1:b-${i}`),
    };
    const full = (keys: string[]) => keys.map((key) => `ca:1:${key}`);
    const untouched = [
      ...full(many('keep')),
      ...Array.from({ length: 12 }, (_, i) => `cb:2:b-${i}`),
      ...Array.from({ length: 12 }, (_, i) => `cc:1:c-${i}`),
    ];
    const allTargets = [
      ...full(target.deleted),
      ...full(target.overwritten),
      ...full(target.setMany),
      ...full(target.deleteMany),
      ...target.clearedByB,
    ];
    await seed([...allTargets, ...untouched]);
    // The repair must reach every master, so the keys of each kind live on all of them.
    for (const keys of [
      full(target.deleted),
      full(target.overwritten),
      full(target.setMany),
      full(target.deleteMany),
      target.clearedByB,
    ]) {
      expect(mastersOf(keys)).toBe(3);
    }
    expect(await a.cache.get(target.overwritten[0])).toBe(JSON.parse(old(`ca:1:${target.overwritten[0]}`)));

    const loadA = new OwnKeyLoad(a.cache, 'loop');
    const loadB = new OwnKeyLoad(b.cache, 'loop');
    expect(await bed.startLoads(loadA, loadB)).toBe(true);

    const cutAt = Date.now();
    await cutAll();
    // If the NAT map were ignored, the app would reach the nodes past the proxies and these would succeed.
    const results = {
      // With B's breaker open, clear() fails at once instead of waiting out its 10 s bound on a silent network.
      breakerOfBOpened: await waitFor(() => b.guard.breakerState !== 'closed', 5000),
      deletes: await Promise.all(target.deleted.map((key) => a.cache.delete(key))),
      sets: await Promise.all(target.overwritten.map((key) => a.cache.set(key, 'after the cut', 600))),
      setMany: await a.cache.setMany(Object.fromEntries(target.setMany.map((key) => [key, 'after the cut'])), 600),
      deleteMany: await a.cache.deleteMany(target.deleteMany),
      clear: await b.cache.clear(),
    };
    const none = new Array(12).fill(false);
    expect(results).toEqual({
      breakerOfBOpened: true,
      deletes: none,
      sets: none,
      setMany: false,
      deleteMany: false,
      clear: false,
    });
    await sleep(Math.max(0, CUT_MS - (Date.now() - cutAt)));

    await healAll();
    // Read through the app from the first moment: a key that a failed write meant to change must never read as its old value, even while recovery runs.
    const readsAfterHeal: unknown[] = [];
    const made = await pollUntilMadeGood(async () => {
      readsAfterHeal.push(...Object.values(await a.cache.getMany([...target.overwritten, ...target.deleted])));
      const problems: string[] = [];
      const gone = [...full(target.deleted), ...full(target.deleteMany), ...target.clearedByB];
      (await values(gone)).forEach((value, i) => value !== null && problems.push(`${gone[i]} still holds ${value}`));
      const replaced = [...full(target.overwritten), ...full(target.setMany)];
      (await values(replaced)).forEach(
        (value, i) =>
          value === old(replaced[i]) && problems.push(`${replaced[i]} still holds its value from before the cut`),
      );
      problems.push(...pendingWrites({ A: a.cache, B: b.cache }));
      return problems;
    });
    const recoveredAt = Date.now();
    console.log(
      `cluster partition (${MODE}): failed writes made good ${made.elapsedMs} ms after healing; A recovery ${JSON.stringify(a.cache.getStats().recovery)}`,
    );
    expect(made).toEqual({ ok: true, elapsedMs: made.elapsedMs, problems: [], within: true });

    const oldValues = full([...target.overwritten, ...target.deleted]).map((key) => JSON.parse(old(key)));
    expect(readsAfterHeal.filter((value) => oldValues.includes(value))).toEqual([]);
    expect(Object.values(await a.cache.getMany(target.overwritten))).not.toContain(
      JSON.parse(old(`ca:1:${target.overwritten[0]}`)),
    );
    expect(await a.cache.getMany(target.deleted)).toEqual({});
    expect(await changed(untouched)).toEqual([]);
    const stats = a.cache.getStats().recovery;
    expect(stats.madeGood).toBeGreaterThanOrEqual(48);
    expect(stats).toMatchObject({ pending: 0, overflowed: 0 });
    expect(b.cache.getStats().recovery).toMatchObject({ pending: 0, overflowed: 0 });

    await expectLoadsMadeGood(
      [
        { load: loadA, prefix: 'ca' },
        { load: loadB, prefix: 'cb' },
      ],
      values,
      recoveredAt,
    );
    expect(await changed(untouched)).toEqual([]);
  }, 40_000);

  it('more failed writes than CACHE_RECOVERY_MAX_KEYS: every master is cleared of this cache (prefix and version) once, with one warning', async () => {
    const d = await bed.start(envFor('cd', { CACHE_RECOVERY_MAX_KEYS: '5' }));
    const own = Array.from({ length: 30 }, (_, i) => `cd:1:key-${i}`);
    const others = [
      ...Array.from({ length: 12 }, (_, i) => `cd:2:key-${i}`),
      ...Array.from({ length: 12 }, (_, i) => `ce:1:key-${i}`),
    ];
    await seed([...own, ...others]);
    expect(mastersOf(own)).toBe(3);
    expect(mastersOf(others)).toBe(3);
    expect(await d.cache.get('key-0')).toBe(JSON.parse(old(own[0])));

    await cutAll();
    expect(await deleteTen(d.cache)).toEqual(new Array(10).fill(false));
    await sleep(CUT_MS);
    await healAll();

    const stillThere = async () =>
      (await values(own)).flatMap((value, i) => (value === null ? [] : [`${own[i]} is still there`]));
    await expectClearedOnOverflow(d, stillThere, `cluster partition (${MODE})`);

    expect(await changed(others)).toEqual([]);
    expectOverflowedOnce(d.cache, bed.logger);
  }, 30_000);
});
