import Redis from 'ioredis';
import { RedisTestServer } from '../helpers/redis-server';
import { type CutMode, TcpProxy } from '../helpers/tcp-proxy';
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
} from './support/partition-load';
import { sleep, waitFor } from './support/timing';

/**
 * A network partition between the app and a Redis that keeps running: writes that fail
 * during it must not leave the values they meant to change in Redis once it heals, where
 * every other process would read them until their TTL ran out.
 *
 * The app reaches Redis through a TCP proxy; the checks read Redis directly, past the proxy.
 */

describe('a network partition between the app and Redis (real redis-server behind a TCP proxy)', () => {
  let server: RedisTestServer;
  let proxy: TcpProxy;
  /** Straight to the server, past the proxy: what every other process would read. */
  let direct: Redis;
  /** The apps and loads of the running test. */
  let bed: PartitionTestbed;

  beforeAll(async () => {
    server = await RedisTestServer.start();
    proxy = await TcpProxy.start({ host: server.host, port: server.port });
    direct = new Redis({ host: server.host, port: server.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    await direct.connect();
  });

  afterAll(async () => {
    await direct?.quit();
    await proxy?.close();
    await server?.stop();
  });

  beforeEach(async () => {
    bed = new PartitionTestbed();
    // A cut left behind by a failed test must not turn the next one into a different scenario.
    await proxy.heal();
    await direct.flushall();
  });

  afterEach(async () => {
    await bed.close();
  });

  function envFor(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
    return {
      CACHE_BACKEND: 'redis',
      REDIS_HOST: proxy.host,
      REDIS_PORT: String(proxy.port),
      CACHE_KEY_PREFIX: prefix,
      ...extra,
    };
  }

  async function seed(keys: string[]): Promise<void> {
    await direct.mset(keys.flatMap((key) => [key, old(key)]));
  }

  /** Keys of `keys` whose value is not `old`: these must never change, since no call targeted them. */
  async function changed(keys: string[]): Promise<string[]> {
    const values = await direct.mget(keys);
    return keys.filter((key, i) => values[i] !== old(key));
  }

  describe.each<CutMode>(['reset', 'blackhole'])('cut by %s', (mode) => {
    it('writes that failed during the cut are made good within 2 s of healing; nothing else is touched', async () => {
      const a = await bed.start(envFor('pa'));
      // A second instance with another prefix on the same Redis, through the same proxy.
      const b = await bed.start(envFor('pb'));

      const target = {
        deleted: 'pa:1:del',
        overwritten: 'pa:1:set',
        expiredByZeroTimeout: 'pa:1:zero',
        setMany: ['pa:1:many-set-0', 'pa:1:many-set-1', 'pa:1:many-set-2'],
        deleteMany: ['pa:1:many-del-0', 'pa:1:many-del-1', 'pa:1:many-del-2'],
        clearedByB: Array.from({ length: 10 }, (_, i) => `pb:1:b-${i}`),
      };
      const untouched = [
        ...['pa:1:keep-0', 'pa:1:keep-1', 'pa:1:keep-2'],
        // The same prefix under another version is another cache: B's clear and A's writes must leave it.
        ...['pa:2:set', 'pa:2:keep', 'pb:2:b-0'],
        ...Array.from({ length: 5 }, (_, i) => `pc:1:c-${i}`),
      ];
      await seed([
        target.deleted,
        target.overwritten,
        target.expiredByZeroTimeout,
        ...target.setMany,
        ...target.deleteMany,
        ...target.clearedByB,
        ...untouched,
      ]);
      // Through the proxy, the app sees the seeded data before the cut. On a loaded machine
      // one read may time out (a miss, 200 ms bound), so it is asked again; it must come.
      const seen = JSON.parse(old(target.overwritten)) as unknown;
      expect(await waitFor(async () => (await a.cache.get('set')) === seen, 10_000)).toBe(true);

      const loadA = new OwnKeyLoad(a.cache, 'loop');
      const loadB = new OwnKeyLoad(b.cache, 'loop');
      expect(await bed.startLoads(loadA, loadB)).toBe(true);

      const cutAt = Date.now();
      await proxy.cut(mode);
      const results = {
        // In a blackhole, a clear() that goes out on the wire waits out its 10 s bound; with B's breaker open it fails at once.
        breakerOfBOpened: await waitFor(() => b.guard.breakerState !== 'closed', 5000),
        delete: await a.cache.delete('del'),
        set: await a.cache.set('set', 'after the cut', 600),
        setZeroTimeout: await a.cache.set('zero', 'after the cut', 0),
        setMany: await a.cache.setMany({ 'many-set-0': 'new', 'many-set-1': 'new', 'many-set-2': 'new' }, 600),
        deleteMany: await a.cache.deleteMany(['many-del-0', 'many-del-1', 'many-del-2']),
        clear: await b.cache.clear(),
      };
      expect(results).toEqual({
        breakerOfBOpened: true,
        delete: false,
        set: false,
        setZeroTimeout: false,
        setMany: false,
        deleteMany: false,
        clear: false,
      });
      await sleep(Math.max(0, CUT_MS - (Date.now() - cutAt)));
      if (mode === 'blackhole') {
        // It was a partition, not a refusal: the apps' reconnects were accepted and then heard nothing.
        expect(proxy.connectionsAcceptedDuringCut).toBeGreaterThan(0);
        expect(a.cache.getStats().timeouts).toBeGreaterThan(0);
      }

      await proxy.heal();
      // Read through the app from the first moment: a key that a failed write meant to change must never read as its old value, even while recovery runs.
      const readsAfterHeal: unknown[] = [];
      const made = await pollUntilMadeGood(async () => {
        readsAfterHeal.push(await a.cache.get('set'), await a.cache.get('del'));
        const problems: string[] = [];
        const gone = [target.deleted, target.expiredByZeroTimeout, ...target.deleteMany, ...target.clearedByB];
        const values = await direct.mget(gone);
        gone.forEach((key, i) => values[i] !== null && problems.push(`${key} still holds ${values[i]}`));
        const changedKeys = [target.overwritten, ...target.setMany];
        const now = await direct.mget(changedKeys);
        changedKeys.forEach(
          (key, i) => now[i] === old(key) && problems.push(`${key} still holds its value from before the cut`),
        );
        problems.push(...pendingWrites({ A: a.cache, B: b.cache }));
        return problems;
      });
      const recoveredAt = Date.now();
      console.log(
        `partition (${mode}): failed writes made good ${made.elapsedMs} ms after healing; A recovery ${JSON.stringify(a.cache.getStats().recovery)}`,
      );
      expect(made).toEqual({ ok: true, elapsedMs: made.elapsedMs, problems: [], within: true });

      // The app itself never handed out what it failed to replace.
      const oldValues = [target.overwritten, target.deleted].map((key) => JSON.parse(old(key)));
      expect(readsAfterHeal.filter((value) => oldValues.includes(value))).toEqual([]);
      expect(await a.cache.get('set')).not.toBe(JSON.parse(old(target.overwritten)));
      expect(await a.cache.get('del')).toBeUndefined();
      expect(Object.values(await a.cache.getMany(['many-set-0', 'many-set-1', 'many-set-2']))).not.toContain(
        JSON.parse(old(target.setMany[0])),
      );

      // Recovery deletes what failed, and only that: a wider delete would pass the checks above.
      expect(await changed(untouched)).toEqual([]);

      const stats = a.cache.getStats().recovery;
      // Nine distinct keys of A failed above, besides the load's.
      expect(stats.madeGood).toBeGreaterThanOrEqual(9);
      expect(stats.queued).toBeGreaterThanOrEqual(9);
      expect(stats).toMatchObject({ pending: 0, overflowed: 0 });
      expect(b.cache.getStats().recovery).toMatchObject({ pending: 0, overflowed: 0 });

      await expectLoadsMadeGood(
        [
          { load: loadA, prefix: 'pa' },
          { load: loadB, prefix: 'pb' },
        ],
        (keys) => direct.mget(keys),
        recoveredAt,
      );
      expect(await changed(untouched)).toEqual([]);
    }, 40_000);

    it('more failed writes than CACHE_RECOVERY_MAX_KEYS: the whole cache (prefix and version) is cleared once, with one warning', async () => {
      const d = await bed.start(envFor('pd', { CACHE_RECOVERY_MAX_KEYS: '5' }));
      const own = Array.from({ length: 20 }, (_, i) => `pd:1:key-${i}`);
      const others = ['pd:2:key-0', 'pd:2:key-1', ...Array.from({ length: 5 }, (_, i) => `pe:1:key-${i}`)];
      await seed([...own, ...others]);
      expect(await d.cache.get('key-0')).toBe(JSON.parse(old(own[0])));

      await proxy.cut(mode);
      expect(await deleteTen(d.cache)).toEqual(new Array(10).fill(false));
      await sleep(CUT_MS);
      await proxy.heal();

      const stillThere = async () => (await direct.keys('pd:1:*')).map((key) => `${key} is still there`);
      await expectClearedOnOverflow(d, stillThere, `partition (${mode})`);

      expect(await changed(others)).toEqual([]);
      expectOverflowedOnce(d.cache, bed.logger);
    }, 30_000);
  });
});
