import { CacheFactoryError, CacheFactoryTimeoutError } from '../../src';
import { redisAppFixture } from '../helpers/redis-app-fixture';
import { until } from '../helpers/until';

/** A promise the test settles by hand: a factory that finishes exactly when the test says so. */
function gate<T>(): { promise: Promise<T>; open(value: T): void; fail(error: unknown): void } {
  let open!: (value: T) => void;
  let fail!: (error: unknown) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const fixture = redisAppFixture();
const { cacheOn } = fixture;

describe.each(['locmem', 'redis', 'hybrid'] as const)('getOrSet policies on %s', (backend) => {
  it('fail-safe: a throwing factory gets the stale value within grace, and is throttled; past grace it rejects', async () => {
    const cache = await cacheOn(backend);
    const options = { grace: 2, failSafeThrottle: 30 };
    expect(await cache.getOrSet('k', () => 'v1', 0.2, options)).toBe('v1');
    await until(async () => (await cache.get('k')) === undefined, 'the entry to turn stale');
    let calls = 0;
    const failing = () => {
      calls++;
      throw new Error('database down');
    };
    const answers = await Promise.all(Array.from({ length: 100 }, () => cache.getOrSet('k', failing, 0.2, options)));
    expect(new Set(answers)).toEqual(new Set(['v1']));
    // One call for all 100, and the throttle keeps it fresh: no further calls for 30 s.
    expect(calls).toBe(1);
    expect(await cache.getOrSet('k', failing, 0.2, options)).toBe('v1');
    expect(calls).toBe(1);
    // The 100 callers shared one computation, which answered stale once.
    expect(cache.getStats().getOrSet).toMatchObject({ factoryCalls: 2, factoryErrors: 1, staleServes: 1 });
    // The throttle never outlives grace.
    await until(
      async () =>
        (await fixture.raw.exists(':1:k')) === 0 && (backend !== 'locmem' || (await cache.exists('k')) === false),
      'grace to end',
      5000,
    );
    await expect(cache.getOrSet('k', failing, 0.2, options)).rejects.toThrow('database down');
  });

  it('soft timeout: a slow factory with a stale value answers stale at the soft bound, and its result lands later', async () => {
    const cache = await cacheOn(backend);
    await cache.getOrSet('slow', () => 'old', 0.2, { grace: 60 });
    await until(async () => (await cache.get('slow')) === undefined, 'the entry to turn stale');
    const factory = gate<string>();
    const started = performance.now();
    expect(
      await cache.getOrSet('slow', () => factory.promise, 60, { grace: 60, softTimeoutMs: 50, hardTimeoutMs: 20_000 }),
    ).toBe('old');
    // Far below the hard timeout: it was the soft one that answered.
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(cache.getStats().getOrSet.softTimeouts).toBe(1);
    factory.open('new');
    await until(async () => (await cache.get('slow')) === 'new', 'the background result');
  });

  it('hard timeout: without a stale value the call rejects with CacheFactoryTimeoutError, and the result still lands', async () => {
    const cache = await cacheOn(backend);
    const factory = gate<string>();
    const call = cache.getOrSet('hang', () => factory.promise, 60, { hardTimeoutMs: 100 });
    await expect(call).rejects.toBeInstanceOf(CacheFactoryTimeoutError);
    await expect(call).rejects.toMatchObject({ key: 'hang', timeoutMs: 100 });
    expect(cache.getStats().getOrSet.hardTimeouts).toBe(1);
    factory.open('late');
    await until(async () => (await cache.get('hang')) === 'late', 'the background result');
  });

  it('a factory that hangs no longer holds its other callers forever: they are bounded by the hard timeout too', async () => {
    const cache = await cacheOn(backend);
    const never = new Promise<string>(() => undefined);
    const callers = Array.from({ length: 10 }, () =>
      cache.getOrSet('stuck', () => never, 60, { hardTimeoutMs: 100 }).catch((error: unknown) => error),
    );
    for (const outcome of await Promise.all(callers)) expect(outcome).toBeInstanceOf(CacheFactoryTimeoutError);
  });

  it('refresh-ahead: 1000 callers past the refresh point cause exactly 1 background factory call, and none waits for it', async () => {
    const cache = await cacheOn(backend);
    // Past the refresh point (0.4 s) and far from the timeout (2 s), even if the 1000 reads take a while.
    const options = { refreshAhead: 0.2 };
    expect(await cache.getOrSet('hot', () => 'v1', 2, options)).toBe('v1');
    await sleep(450);
    const refresh = gate<string>();
    let calls = 0;
    const factory = () => {
      calls++;
      return refresh.promise;
    };
    // The refresh has not finished (the gate is shut), so every caller got the current value without waiting for it.
    const answers = await Promise.all(Array.from({ length: 1000 }, () => cache.getOrSet('hot', factory, 60, options)));
    expect(new Set(answers)).toEqual(new Set(['v1']));
    // On redis and hybrid the refresh first takes the fleet lock: one round trip later.
    await until(() => calls === 1, 'the background refresh to start');
    refresh.open('v2');
    await until(async () => (await cache.get('hot')) === 'v2', 'the refreshed value');
    expect(calls).toBe(1);
    expect(cache.getStats().getOrSet.backgroundRefreshes).toBe(1);
    // 1000 callers and their reads took over 30 s once on a loaded 2-core machine; nothing here is timed.
  }, 120_000);

  it('a factory that calls getOrSet on its own key gets a clear error instead of waiting for itself', async () => {
    const cache = await cacheOn(backend);
    const outer = cache.getOrSet('self', async () => {
      await sleep(1);
      return cache.getOrSet('self', () => 'inner');
    });
    await expect(outer).rejects.toBeInstanceOf(CacheFactoryError);
    await expect(cache.getOrSet('self', () => 'fine')).resolves.toBe('fine');
    // Other keys inside a factory are fine.
    expect(await cache.getOrSet('outer', () => cache.getOrSet('inner', () => 1).then((n) => n + 1))).toBe(2);
  });

  it('the factory gets its key and the stale value, and can set the timeout of what it returns', async () => {
    const cache = await cacheOn(backend);
    await cache.getOrSet('ctx', () => 'first', 0.2, { grace: 60 });
    await until(async () => (await cache.get('ctx')) === undefined, 'the entry to turn stale');
    const seen: unknown[] = [];
    const value = await cache.getOrSet(
      'ctx',
      (context) => {
        seen.push(context.key, context.stale);
        context.timeout = 1000;
        return 'second';
      },
      5,
      { grace: 60 },
    );
    expect(value).toBe('second');
    expect(seen).toEqual(['ctx', 'first']);
    const left = await cache.ttl('ctx');
    expect(left).toBeGreaterThan(900);
    expect(left).toBeLessThanOrEqual(1000);
  });

  it('refuses bad options with a typed error before running the factory', async () => {
    const cache = await cacheOn(backend);
    const factory = jest.fn(() => 1);
    for (const options of [
      { grace: -1 },
      { refreshAhead: 1 },
      { hardTimeoutMs: 0 },
      { softTimeoutMs: 1.5 },
      { fleetLock: 'yes' },
      { unknown: 1 },
    ]) {
      await expect(cache.getOrSet('opts', factory, 60, options as never)).rejects.toMatchObject({
        name: 'CacheFactoryError',
        code: 'INVALID_OPTION',
      });
    }
    expect(factory).not.toHaveBeenCalled();
  });
});

describe('entries with a logical expiry, as stored', () => {
  it('plain set stays plain JSON; getOrSet with grace wraps it, and get, getMany and ttl see through the wrapper', async () => {
    const cache = await cacheOn('redis');
    await cache.set('plain', { a: 1 });
    expect(await fixture.raw.get(':1:plain')).toBe('{"a":1}');
    await cache.getOrSet('graced', () => ({ a: 2 }), 10, { grace: 100 });
    const stored = (await fixture.raw.get(':1:graced'))!;
    expect(stored).toMatch(/^~ige:\{"b":\d+,"f":\d+,"s":\d+\}\n\{"a":2\}$/);
    // Redis keeps it for timeout + grace; ttl reports the logical time left.
    expect(await fixture.raw.ttl(':1:graced')).toBeGreaterThan(100);
    expect(await cache.ttl('graced')).toBeLessThanOrEqual(10);
    expect(await cache.get('graced')).toEqual({ a: 2 });
    expect(await cache.getMany(['graced', 'plain'])).toEqual({ graced: { a: 2 }, plain: { a: 1 } });
  });

  it('once stale, the entry is a miss to get, getMany and ttl, while getOrSet can still fall back on it', async () => {
    const cache = await cacheOn('redis');
    await cache.getOrSet('stale', () => 'old', 0.2, { grace: 60 });
    await until(async () => (await cache.get('stale')) === undefined, 'the entry to turn stale');
    expect(await fixture.raw.exists(':1:stale')).toBe(1);
    expect(await cache.getMany(['stale'])).toEqual({});
    expect(await cache.ttl('stale')).toBeUndefined();
    await expect(cache.getOrSet('stale', () => Promise.reject(new Error('down')), 60, { grace: 60 })).resolves.toBe(
      'old',
    );
  });
});

describe('getOrSetMany', () => {
  it('1000 keys, 400 cached: one factory call for exactly the 600 missing ones, one MGET, and the same results as getOrSet per key', async () => {
    const cache = await cacheOn('redis');
    const keys = Array.from({ length: 1000 }, (_, i) => `item-${i}`);
    await cache.setMany(Object.fromEntries(keys.filter((_, i) => i % 5 < 2).map((key) => [key, `cached ${key}`])), 300);
    const computed = (key: string) => `computed ${key}`;
    const calls: string[][] = [];
    const before = await commandCounts();
    const result = await cache.getOrSetMany(
      keys,
      (missing) => {
        calls.push(missing);
        return Object.fromEntries(missing.map((key) => [key, computed(key)]));
      },
      300,
    );
    const after = await commandCounts();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toHaveLength(600);
    expect(calls[0].every((key) => Number(key.split('-')[1]) % 5 >= 2)).toBe(true);
    // One read for all keys, the 600 writes in one script call (MSET takes no expiry); the SETs counted are the script's.
    expect(after.mget - (before.mget ?? 0)).toBe(1);
    expect(after.set - (before.set ?? 0)).toBe(600);
    expect((after.evalsha ?? 0) - (before.evalsha ?? 0) + (after.eval ?? 0) - (before.eval ?? 0)).toBe(1);
    const perKey = Object.fromEntries(
      await Promise.all(keys.map(async (key) => [key, await cache.getOrSet(key, () => computed(key), 300)] as const)),
    );
    expect(result).toEqual(perKey);
  });

  it.each(['locmem', 'redis', 'hybrid'] as const)(
    "on %s hands out copies: changing a result changes neither the cache nor another caller's result",
    async (backend) => {
      const cache = await cacheOn(backend);
      const produced = { a: { n: 1, list: [1] }, b: { n: 2, list: [2] } };
      const first = await cache.getOrSetMany<{ n: number; list: number[] }>(['a', 'b'], () => produced, 60);
      expect(first).toEqual(produced);
      expect(first.a).not.toBe(produced.a);
      first.a.n = 99;
      first.b.list.push(99);
      produced.a.list.push(42);
      expect(await cache.getMany(['a', 'b'])).toEqual({ a: { n: 1, list: [1] }, b: { n: 2, list: [2] } });
    },
  );

  it('two overlapping calls never compute a key twice in one process, and a key the factory leaves out is neither stored nor returned', async () => {
    const cache = await cacheOn('locmem');
    const first = gate<Record<string, number>>();
    const computedBy: string[] = [];
    const a = cache.getOrSetMany(['x', 'y', 'skipped'], (missing) => {
      computedBy.push(...missing.map((key) => `a:${key}`));
      return first.promise;
    });
    await sleep(5);
    const b = cache.getOrSetMany(['y', 'z'], (missing) => {
      computedBy.push(...missing.map((key) => `b:${key}`));
      return { z: 3 };
    });
    first.open({ x: 1, y: 2 });
    expect(await a).toEqual({ x: 1, y: 2 });
    expect(await b).toEqual({ y: 2, z: 3 });
    expect(computedBy.sort()).toEqual(['a:skipped', 'a:x', 'a:y', 'b:z']);
    expect(await cache.exists('skipped')).toBe(false);
  });
});

async function commandCounts(): Promise<Record<string, number>> {
  const info = await fixture.raw.info('commandstats');
  return Object.fromEntries(
    [...info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].map(([, name, calls]) => [name, Number(calls)]),
  );
}
