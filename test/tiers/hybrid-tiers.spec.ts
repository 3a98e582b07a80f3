import type { CacheManagerService } from '../../src';
import { redisAppFixture } from '../helpers/redis-app-fixture';
import { until } from '../helpers/until';

/**
 * The hybrid backend in one process, on a real redis-server: two apps stand for two
 * processes (each has its own L1 and its own bus subscriber). The fleet of real processes
 * is test/hybrid.
 */
const fixture = redisAppFixture();
const hybrid = (env: Record<string, string> = {}) => fixture.cacheOn('hybrid', env);

/** Calls Redis executed, by command name, from INFO commandstats. */
async function commandCounts(): Promise<Record<string, number>> {
  const info = await fixture.raw.info('commandstats');
  return Object.fromEntries(
    [...info.matchAll(/^cmdstat_(\w+(?:\|\w+)?):calls=(\d+)/gm)].map(([, name, calls]) => [name, Number(calls)]),
  );
}

/** Commands run between two counts, without the heartbeats' PUBLISH and the INFO that counts. */
function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(after)
      .filter(([name]) => name !== 'publish' && name !== 'info')
      .map(([name, calls]) => [name, calls - (before[name] ?? 0)])
      .filter(([, calls]) => calls !== 0),
  );
}

/** Waits until `cache` heard of `count` invalidations: a read sent before its message arrived would not fill L1. */
function heard(cache: CacheManagerService, count: number): Promise<void> {
  return until(() => cache.getStats().tiers!.bus.received >= count, `${count} bus messages`);
}

/** Two processes: the first writes `key`, the second heard of it and read it once, so its L1 holds it. */
async function heldByTheOther(
  key: string,
  value: unknown,
  timeout: number,
  readerEnv: Record<string, string> = {},
): Promise<[CacheManagerService, CacheManagerService]> {
  const writer = await hybrid();
  const reader = await hybrid(readerEnv);
  await writer.set(key, value, timeout);
  await heard(reader, 1);
  expect(await reader.get(key)).toEqual(value);
  return [writer, reader];
}

describe('hybrid backend, one process', () => {
  it('an L1 miss reads Redis and its TTL in one round trip and fills L1; an L1 hit sends nothing to Redis', async () => {
    const writer = await hybrid();
    const reader = await hybrid();
    await writer.set('k', { n: 1 }, 60);
    await heard(reader, 1);
    // Loads the script into Redis (the very first call finds it missing and sends it once).
    await reader.get('warm-up');
    const before = await commandCounts();
    expect(await reader.get('k')).toEqual({ n: 1 });
    const afterMiss = await commandCounts();
    for (let i = 0; i < 100; i++) expect(await reader.get('k')).toEqual({ n: 1 });
    const afterHits = await commandCounts();
    // info itself is counted once per call.
    // One command sent, a script (commandstats also counts the GET and PTTL it runs); then nothing at all.
    expect(delta(before, afterMiss)).toEqual({ evalsha: 1, get: 1, pttl: 1 });
    expect(delta(afterMiss, afterHits)).toEqual({});
    expect(reader.getStats().tiers).toMatchObject({ l1Hits: 100, l2Hits: 1, l1Entries: 1 });
  });

  it('hands out copies: changing what a read returned never changes the next read', async () => {
    const cache = await hybrid();
    await cache.set('obj', { list: [1, 2] });
    const first = await cache.get<{ list: number[] }>('obj');
    first!.list.push(3);
    expect(await cache.get('obj')).toEqual({ list: [1, 2] });
  });

  it('an L1 entry never outlives its Redis TTL', async () => {
    const [, reader] = await heldByTheOther('short', 'v', 1, { CACHE_L1_TIMEOUT: '600' });
    expect(reader.getStats().tiers!.l1Entries).toBe(1);
    await until(async () => (await fixture.raw.exists(':1:short')) === 0, 'Redis to expire the key');
    expect(await reader.get('short')).toBeUndefined();
  });

  it('on the bus alone, CACHE_L1_TIMEOUT bounds how long a change made outside the cache goes unseen', async () => {
    const cache = await hybrid({ CACHE_L1_TIMEOUT: '1', CACHE_L1_INVALIDATION: 'bus' });
    await cache.set('outside', 1, 300);
    expect(await cache.get('outside')).toBe(1);
    // No invalidation travels for a write that bypasses the cache: L1 answers until it times out.
    await fixture.raw.set(':1:outside', '2', 'KEEPTTL');
    expect(await cache.get('outside')).toBe(1);
    await until(async () => (await cache.get('outside')) === 2, 'L1 to time out', 3000);
  });

  describe('every write reaches the other process, whose L1 held the old value', () => {
    const cases: [string, (cache: CacheManagerService) => Promise<unknown>, unknown][] = [
      ['set', (cache) => cache.set('k', 'new'), 'new'],
      ['add after a delete', async (cache) => (await cache.delete('k')) && cache.add('k', 'added'), 'added'],
      ['delete', (cache) => cache.delete('k'), undefined],
      ['deleteIfEquals', (cache) => cache.deleteIfEquals('k', 'old'), undefined],
      ['setMany', (cache) => cache.setMany({ k: 'many', other: 1 }), 'many'],
      ['deleteMany', (cache) => cache.deleteMany(['k', 'other']), undefined],
      ['touch with 0', (cache) => cache.touch('k', 0), undefined],
      ['clear', (cache) => cache.clear(), undefined],
    ];
    it.each(cases)('%s', async (_name, write, expected) => {
      const [a, b] = await heldByTheOther('k', 'old', 300);
      expect(await b.get('k')).toBe('old');
      const l1HitsBefore = b.getStats().tiers!.l1Hits;
      await write(a);
      // Without the bus, b would answer 'old' from L1 for CACHE_L1_TIMEOUT (60 s).
      await until(async () => (await b.get('k')) === expected, `b to see ${String(expected)}`, 2000);
      expect(b.getStats().tiers!.l1Hits).toBeGreaterThan(l1HitsBefore - 1);
    });

    it('incr', async () => {
      const [a, b] = await heldByTheOther('n', 5, 300);
      expect(await a.incr('n', 2)).toBe(7);
      await until(async () => (await b.get('n')) === 7, 'b to see 7', 2000);
    });

    it('touch: no L1 keeps an entry longer than its new TTL', async () => {
      const [a, b] = await heldByTheOther('t', 'v', 300, { CACHE_L1_TIMEOUT: '600' });
      expect(await a.touch('t', 1)).toBe(true);
      await until(async () => (await fixture.raw.exists(':1:t')) === 0, 'Redis to expire the key');
      expect(await b.get('t')).toBeUndefined();
    });
  });

  it('on the bus, a process ignores its own messages: its L1 keeps what it wrote', async () => {
    const cache = await hybrid({ CACHE_L1_INVALIDATION: 'bus' });
    await cache.set('mine', 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = cache.getStats().tiers!.l1Hits;
    expect(await cache.get('mine')).toBe(1);
    expect(cache.getStats().tiers!.l1Hits).toBe(before + 1);
  });

  it('getMany answers from L1 where it can, reads the rest in one go and fills L1 with them', async () => {
    const a = await hybrid();
    const b = await hybrid();
    await a.setMany({ x: 1, y: 2, z: 3 }, 60);
    await heard(b, 1);
    expect(await b.get('x')).toBe(1);
    expect(await b.getMany(['x', 'y', 'z', 'absent'])).toEqual({ x: 1, y: 2, z: 3 });
    const hits = b.getStats().tiers!.l1Hits;
    expect(await b.getMany(['x', 'y', 'z'])).toEqual({ x: 1, y: 2, z: 3 });
    expect(b.getStats().tiers!.l1Hits).toBe(hits + 3);
    expect(await fixture.raw.pttl(':1:y')).toBeGreaterThan(0);
  });

  it('a lost bus (CLIENT KILL TYPE pubsub): reads skip L1 until it is heard again, and L1 then starts empty', async () => {
    // On the bus alone: with tracking, the write below would be reported (test/tiers/hybrid-tracking.spec.ts).
    const cache = await hybrid({ CACHE_L1_INVALIDATION: 'bus' });
    await cache.set('k', 'old', 300);
    expect(await cache.get('k')).toBe('old');
    // A write this process never hears of, as if its message was lost while the bus was down.
    await fixture.raw.set(':1:k', JSON.stringify('new'), 'KEEPTTL');
    expect(await cache.get('k')).toBe('old');
    await fixture.raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
    await until(() => cache.getStats().tiers!.bus.outages === 1, 'the bus to be lost');
    await until(() => cache.getStats().tiers!.bus.live, 'the bus to be heard again');
    expect(await cache.get('k')).toBe('new');
  });

  it('Redis stopped: L1 entries are served as stale-if-error, a failed write drops its key from L1, and recovery makes it good', async () => {
    const a = await hybrid({ REDIS_COMMAND_TIMEOUT_MS: '200' });
    const b = await hybrid({ REDIS_COMMAND_TIMEOUT_MS: '200' });
    await a.setMany({ kept: 'old', written: 'old' }, 300);
    await heard(b, 1);
    expect(await b.get('kept')).toBe('old');
    expect(await a.get('written')).toBe('old');
    await fixture.redis.kill();
    try {
      await until(() => !a.getStats().tiers!.bus.live && !b.getStats().tiers!.bus.live, 'both buses to be lost');
      expect(await b.get('kept')).toBe('old');
      expect(b.getStats().staleIfError).toBeGreaterThanOrEqual(1);
      expect(await a.set('written', 'new')).toBe(false);
      // What a failed write replaced is not served, not even as stale-if-error.
      expect(await a.get('written')).toBeUndefined();
    } finally {
      await fixture.redis.restart();
    }
    await until(
      () => a.getStats().recovery.pending === 0 && a.getStats().tiers!.bus.live && b.getStats().tiers!.bus.live,
      'recovery and both buses',
      10_000,
    );
    // Redis kept nothing (no persistence); the recovery delete and the fresh L1s agree on a miss.
    expect(await b.get('written')).toBeUndefined();
    expect(await b.get('kept')).toBeUndefined();
  });
});
