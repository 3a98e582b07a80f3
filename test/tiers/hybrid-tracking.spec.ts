import type { CacheManagerService } from '../../src';
import { BUS_STALENESS_BOUND_MS } from '../../src/bus/bus-timing';
import { redisAppFixture } from '../helpers/redis-app-fixture';
import { until } from '../helpers/until';

/**
 * CACHE_L1_INVALIDATION=tracking in one process, on a real redis-server: two apps stand
 * for two processes, and the test's own raw client is a writer that does not use this
 * module (redis-cli, another service, Django). Its changes reach L1 only through Redis's
 * own reports. Process faults are test/tiers/hybrid-tracking-faults.spec.ts.
 */
const fixture = redisAppFixture();
const tracking = (env: Record<string, string> = {}) =>
  fixture.cacheOn('hybrid', { CACHE_L1_INVALIDATION: 'tracking', ...env });

/** The documented worst case, plus the allowance for a stalled event loop every coherence test gives (test/hybrid). */
const BOUND_MS = BUS_STALENESS_BOUND_MS + 1000;

const json = (value: unknown) => JSON.stringify(value);

/** Two processes, each holding `:1:<key>` = 'old' in its L1 (proven by an L1 hit). */
async function twoHolding(keys: string[]): Promise<CacheManagerService[]> {
  const caches = [await tracking(), await tracking()];
  for (const key of keys) await fixture.raw.set(`:1:${key}`, json('old'), 'EX', 300);
  for (const cache of caches) {
    for (const key of keys) {
      // The write's own report may land after a first read filled L1 and drop it again: read until it is an L1 hit.
      await until(
        async () => {
          const hits = cache.getStats().tiers!.l1Hits;
          return (await cache.get(key)) === 'old' && cache.getStats().tiers!.l1Hits === hits + 1;
        },
        `${key} to be held in L1`,
        10_000,
      );
    }
  }
  return caches;
}

async function seenByAll(caches: CacheManagerService[], key: string, expected: unknown): Promise<void> {
  await Promise.all(
    caches.map((cache, i) =>
      until(
        async () => (await cache.get(key)) === expected,
        `process ${i} to see ${String(expected)} for ${key}`,
        BOUND_MS,
      ),
    ),
  );
}

describe('a writer that does not use this module is seen by every hybrid process within the bound', () => {
  const cases: [string, (raw: typeof fixture.raw) => Promise<unknown>, string, unknown][] = [
    ['SET', (raw) => raw.set(':1:k', json('new')), 'k', 'new'],
    ['DEL', (raw) => raw.del(':1:k'), 'k', undefined],
    ['PEXPIRE', (raw) => raw.pexpire(':1:k', 1), 'k', undefined],
    ['EXPIRE (0: deleted)', (raw) => raw.expire(':1:k', 0), 'k', undefined],
    ['RENAME (both keys change)', (raw) => raw.rename(':1:k', ':1:other'), 'k', undefined],
    ['MSET', (raw) => raw.mset(':1:k', json('m1'), ':1:other', json('m2')), 'k', 'm1'],
    ['MULTI/EXEC', (raw) => raw.multi().set(':1:k', json('tx')).del(':1:other').exec(), 'k', 'tx'],
    ['EVAL', (raw) => raw.eval("redis.call('SET', KEYS[1], ARGV[1]) return 1", 1, ':1:k', json('lua')), 'k', 'lua'],
  ];
  it.each(cases)('%s', async (_name, write, key, expected) => {
    const caches = await twoHolding(['k', 'other']);
    await write(fixture.raw);
    await seenByAll(caches, key, expected);
  });

  it('RENAME onto a held key: the target changes too', async () => {
    const caches = await twoHolding(['k', 'other']);
    await fixture.raw.set(':1:src', json('renamed'));
    await fixture.raw.rename(':1:src', ':1:other');
    await seenByAll(caches, 'other', 'renamed');
  });

  it('FLUSHDB (a report without keys) empties every L1', async () => {
    const caches = await twoHolding(['k', 'other']);
    await fixture.raw.flushdb();
    for (const key of ['k', 'other']) await seenByAll(caches, key, undefined);
    for (const cache of caches) expect(cache.getStats().tiers!.l1Entries).toBe(0);
  });

  it('a key evicted by maxmemory (allkeys-lru) leaves every L1', async () => {
    const caches = await twoHolding(['k']);
    await fixture.raw.config('SET', 'maxmemory-policy', 'allkeys-lru');
    const used = Number(/used_memory:(\d+)/.exec(await fixture.raw.info('memory'))![1]);
    await fixture.raw.config('SET', 'maxmemory', String(used + 2 * 1024 * 1024));
    try {
      // Fill past the limit, until Redis evicted the held key (the least recently used one: the apps read it from L1, not from Redis).
      const filler = 'x'.repeat(10_000);
      for (let i = 0; (await fixture.raw.exists(':1:k')) === 1; i++) {
        if (i > 5000) throw new Error('Redis never evicted the held key');
        await fixture.raw.set(`filler:${i}`, filler);
      }
      expect(Number(/evicted_keys:(\d+)/.exec(await fixture.raw.info('stats'))![1])).toBeGreaterThan(0);
      await seenByAll(caches, 'k', undefined);
    } finally {
      await fixture.raw.config('SET', 'maxmemory', '0');
      await fixture.raw.config('SET', 'maxmemory-policy', 'noeviction');
    }
  });

  it("keys outside the cache's prefix and version are not reported: L1 is not disturbed by them", async () => {
    const [cache] = await twoHolding(['k']);
    const reports = cache.getStats().tiers!.bus.tracking!.keys;
    await fixture.raw.set(':2:k', json('other version'));
    await fixture.raw.set('elsewhere', '1');
    // A change that is reported, to know the two before it were not.
    await fixture.raw.set(':1:marker', json(1));
    await until(() => cache.getStats().tiers!.bus.tracking!.keys > reports, 'the marker to be reported');
    expect(cache.getStats().tiers!.bus.tracking!.keys).toBe(reports + 1);
    expect(await cache.get('k')).toBe('old');
  });
});

describe('with tracking in force', () => {
  it('getStats, health and getBackendInfo say so, and why', async () => {
    const cache = await tracking();
    expect(cache.getStats().tiers!.bus).toMatchObject({ live: true, mode: 'tracking', tracking: { live: true } });
    expect(cache.getBackendInfo()).toMatchObject({
      l1Invalidation: 'tracking',
      l1InvalidationReason: expect.stringContaining('CLIENT TRACKING'),
      busTrackingLive: true,
    });
  });

  it('a process reads its own writes; Redis reports them back to it too, so its L1 drops them and the next read fills it again', async () => {
    const cache = await tracking();
    await cache.set('mine', 1);
    expect(await cache.get('mine')).toBe(1);
    const reports = cache.getStats().tiers!.bus.tracking!.keys;
    await cache.set('mine', 2);
    await until(() => cache.getStats().tiers!.bus.tracking!.keys > reports, 'its own write to be reported');
    expect(await cache.get('mine')).toBe(2);
  });

  it('the other process of this module sees a write within the bound, with or without the bus', async () => {
    const [a, b] = await twoHolding(['k']);
    await a.set('k', 'from a');
    await until(async () => (await b.get('k')) === 'from a', 'b to see it', BOUND_MS);
  });
});
