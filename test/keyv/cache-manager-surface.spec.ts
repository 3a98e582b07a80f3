import { CacheModule, CACHE_MANAGER as NEST_CACHE_MANAGER } from '@nestjs/cache-manager';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Cache } from 'cache-manager';
import { CACHE_MANAGER, CacheValueError } from '../../src/index';
import { RedisTestServer } from '../helpers/redis-server';
import { createHostApp } from '../helpers/ecosystem-app';

/**
 * The cache-manager 7 `Cache` that this module provides under CACHE_MANAGER, held to the
 * behaviour of the one `@nestjs/cache-manager` gives with a plain `CacheModule.register()`
 * (cache-manager over an in-memory Keyv). The same assertions run against both, so any
 * difference shows up as a failure here rather than in an app.
 *
 * Intentional differences (also in docs/migration.md), asserted per subject below:
 * - No TTL, or a TTL of 0: stock keeps the entry forever (ttl() is undefined); here it
 *   gets CACHE_DEFAULT_TIMEOUT, as in Django.
 * - ttl() precision: stock reports the exact expiry; here it is derived from the
 *   backend's remaining time in whole seconds, rounded up, so it is up to 1 s later than
 *   the true expiry (never earlier: Keyv would treat an entry as expired too soon).
 * - Values: stock keeps the very object it was given, so a caller that changes it later
 *   changes the cached entry; here every read returns a fresh copy of what was stored.
 * - Unstorable values (a function, a top-level undefined): stock keeps them as they are;
 *   here set() rejects with CacheValueError and nothing is stored.
 * - disconnect(): both resolve and keep answering; here the module owns the connection
 *   and closes it at application shutdown, so one caller cannot cut off the others.
 * - clear(): here it removes this prefix and version only (not observable from one cache).
 */

interface Subject {
  cache: Cache;
  stock: boolean;
  close(): Promise<void>;
}

async function stockCache(): Promise<Subject> {
  const moduleRef = await Test.createTestingModule({ imports: [CacheModule.register()] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return { cache: app.get<Cache>(NEST_CACHE_MANAGER), stock: true, close: () => app.close() };
}

async function ourCache(env: Record<string, string>): Promise<Subject> {
  const app: INestApplication = await createHostApp({
    ...env,
    CACHE_DEFAULT_TIMEOUT: '300',
    REDIS_COMMAND_TIMEOUT_MS: '2000',
  });
  return { cache: app.get<Cache>(CACHE_MANAGER), stock: false, close: () => app.close() };
}

let redis: RedisTestServer;
beforeAll(async () => {
  redis = await RedisTestServer.start();
});
afterAll(async () => {
  await redis?.stop();
});

/** Polls until `check` is true; fails after `limitMs`. Never a timing assertion. */
async function eventually(check: () => boolean | Promise<boolean>, limitMs = 5000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each([
  ['@nestjs/cache-manager CacheModule.register()', stockCache],
  ['ideagraph-cache on locmem', () => ourCache({ CACHE_BACKEND: 'locmem' })],
  ['ideagraph-cache on redis', () => ourCache(redis.env())],
] as const)('cache-manager Cache surface: %s', (_name, create) => {
  let subject: Subject;
  let cache: Cache;

  beforeAll(async () => {
    subject = await create();
    cache = subject.cache;
  });
  afterAll(async () => {
    await subject?.close();
  });
  beforeEach(async () => {
    await cache.clear();
  });

  describe('get / set', () => {
    it('set resolves with the value; get returns it; a miss is undefined', async () => {
      const value = { name: 'Ada', tags: ['x'], nested: { n: 1 } };
      await expect(cache.set('profile', value, 60_000)).resolves.toBe(value);
      expect(await cache.get('profile')).toEqual(value);
      expect(await cache.get('absent')).toBeUndefined();
    });

    it('keeps null, false, 0 and empty strings as values, not misses', async () => {
      for (const [key, value] of [
        ['null', null],
        ['false', false],
        ['zero', 0],
        ['empty', ''],
      ] as const) {
        await cache.set(key, value, 60_000);
        expect(await cache.get(key)).toBe(value);
      }
    });

    it('an expired entry is a miss', async () => {
      await cache.set('short', 1, 50);
      await eventually(async () => (await cache.get('short')) === undefined);
    });
  });

  describe('ttl', () => {
    it('is the expiry as epoch milliseconds of an entry set with a TTL', async () => {
      const before = Date.now();
      await cache.set('timed', 1, 60_000);
      const after = Date.now();
      const expires = await cache.ttl('timed');
      expect(typeof expires).toBe('number');
      expect(expires).toBeGreaterThanOrEqual(before + 60_000);
      expect(expires).toBeLessThanOrEqual(after + 60_000 + (subject.stock ? 0 : 1000));
    });

    it('follows each entry of an mset', async () => {
      const before = Date.now();
      await cache.mset([
        { key: 'm20', value: 1, ttl: 20_000 },
        { key: 'm40', value: 2, ttl: 40_000 },
      ]);
      const [m20, m40] = [await cache.ttl('m20'), await cache.ttl('m40')];
      expect(m20).toBeGreaterThanOrEqual(before + 20_000);
      expect(m40).toBeGreaterThanOrEqual(before + 40_000);
      expect(m40! - m20!).toBeGreaterThan(18_000);
    });

    it('is undefined for a missing key', async () => {
      expect(await cache.ttl('absent')).toBeUndefined();
    });

    it('intentional difference: without a TTL stock keeps the entry forever, here it gets CACHE_DEFAULT_TIMEOUT', async () => {
      const before = Date.now();
      await cache.set('forever', 1);
      await cache.set('zero', 1, 0);
      for (const key of ['forever', 'zero']) {
        const expires = await cache.ttl(key);
        if (subject.stock) expect(expires).toBeUndefined();
        else expect(expires).toBeGreaterThanOrEqual(before + 300_000);
      }
    });
  });

  describe('mget / mset / del / mdel / clear', () => {
    it('mset resolves with the list; mget answers in order with undefined for misses', async () => {
      const list = [
        { key: 'a', value: 'one', ttl: 20_000 },
        { key: 'b', value: { n: 2 }, ttl: 20_000 },
      ];
      expect(await cache.mset<unknown>(list)).toEqual(list);
      expect(await cache.mget(['a', 'absent', 'b'])).toEqual(['one', undefined, { n: 2 }]);
    });

    it('del and mdel resolve true and remove the keys, present or not', async () => {
      await cache.mset([
        { key: 'a', value: 1, ttl: 20_000 },
        { key: 'b', value: 2, ttl: 20_000 },
        { key: 'c', value: 3, ttl: 20_000 },
      ]);
      expect(await cache.del('a')).toBe(true);
      expect(await cache.del('absent')).toBe(true);
      expect(await cache.mdel(['b', 'absent'])).toBe(true);
      expect(await cache.mget(['a', 'b', 'c'])).toEqual([undefined, undefined, 3]);
    });

    it('clear resolves true and removes every entry', async () => {
      await cache.mset([
        { key: 'a', value: 1, ttl: 20_000 },
        { key: 'b', value: 2 },
      ]);
      expect(await cache.clear()).toBe(true);
      expect(await cache.mget(['a', 'b'])).toEqual([undefined, undefined]);
    });
  });

  describe('wrap', () => {
    it('calls the function on a miss, stores its result, and answers from the cache after', async () => {
      let calls = 0;
      const load = async () => ({ loaded: ++calls });
      expect(await cache.wrap('wrapped', load, 60_000)).toEqual({ loaded: 1 });
      expect(await cache.wrap('wrapped', load, 60_000)).toEqual({ loaded: 1 });
      expect(calls).toBe(1);
      expect(await cache.get('wrapped')).toEqual({ loaded: 1 });
      expect(await cache.ttl('wrapped')).toBeGreaterThan(Date.now() + 50_000);
    });

    it('concurrent callers of one key share one call', async () => {
      let calls = 0;
      const load = () => new Promise<number>((resolve) => setTimeout(() => resolve(++calls), 50));
      const results = await Promise.all([1, 2, 3].map(() => cache.wrap('shared', load, 60_000)));
      expect(results).toEqual([1, 1, 1]);
      expect(calls).toBe(1);
    });

    it('with raw: true answers { value, expires } on a hit', async () => {
      const before = Date.now();
      await cache.wrap('raw', async () => 'v', 60_000);
      const raw = await cache.wrap('raw', async () => 'other', { ttl: 60_000, raw: true });
      expect(raw?.value).toBe('v');
      expect(raw?.expires).toBeGreaterThanOrEqual(before + 60_000);
    });

    it('refreshes in the background once less than refreshThreshold is left, and emits refresh', async () => {
      const refreshed: unknown[] = [];
      const onRefresh = (event: { key: string; value: unknown }) => refreshed.push(event);
      cache.on('refresh', onRefresh);
      try {
        let version = 0;
        const load = async () => ++version;
        expect(await cache.wrap('aging', load, 10_000, 20_000)).toBe(1);
        // 10 s left is under the 20 s threshold: the old value now, a new one stored behind it.
        expect(await cache.wrap('aging', load, 10_000, 20_000)).toBe(1);
        await eventually(() => refreshed.length > 0);
        expect(refreshed).toEqual([{ key: 'aging', value: 2 }]);
        expect(await cache.get('aging')).toBe(2);
      } finally {
        cache.off('refresh', onRefresh);
      }
    });
  });

  describe('events, identity, disconnect', () => {
    it('on delivers set, get, del, mset, mdel and clear events; off stops them', async () => {
      const seen: Array<[string, unknown]> = [];
      const listeners = Object.fromEntries(
        (['set', 'get', 'del', 'mset', 'mdel', 'clear'] as const).map((event) => [
          event,
          (data: unknown) => seen.push([event, data]),
        ]),
      );
      for (const [event, listener] of Object.entries(listeners)) cache.on(event as 'set', listener);
      await cache.set('e', 1, 60_000);
      await cache.get('e');
      await cache.del('e');
      await cache.mset([{ key: 'f', value: 2, ttl: 60_000 }]);
      await cache.mdel(['f']);
      await cache.clear();
      expect(seen).toContainEqual(['set', { key: 'e', value: 1 }]);
      expect(seen).toContainEqual(['get', expect.objectContaining({ key: 'e', value: 1 })]);
      expect(seen).toContainEqual(['del', { key: 'e' }]);
      expect(seen).toContainEqual(['mset', { list: [{ key: 'f', value: 2, ttl: 60_000 }] }]);
      expect(seen).toContainEqual(['mdel', { keys: ['f'] }]);
      expect(seen).toContainEqual(['clear', undefined]);

      for (const [event, listener] of Object.entries(listeners)) cache.off(event as 'set', listener);
      seen.length = 0;
      await cache.set('e', 1, 60_000);
      expect(seen).toEqual([]);
    });

    it('has a cacheId and exposes its Keyv stores', () => {
      expect(typeof cache.cacheId()).toBe('string');
      expect(cache.stores).toHaveLength(1);
      expect(typeof cache.stores[0].get).toBe('function');
    });

    it('intentional difference: stock hands out the stored object itself, here every read is a copy', async () => {
      const value = { n: 1 };
      await cache.set('shared-object', value, 60_000);
      value.n = 2;
      const read = await cache.get<{ n: number }>('shared-object');
      expect(read).toEqual({ n: subject.stock ? 2 : 1 });
      expect(read === value).toBe(subject.stock);
    });

    it('intentional difference: stock keeps a function as it is, here set rejects with CacheValueError', async () => {
      const fn = () => 1;
      if (subject.stock) {
        await cache.set('fn', fn, 60_000);
        expect(await cache.get('fn')).toBe(fn);
      } else {
        await expect(cache.set('fn', fn, 60_000)).rejects.toThrow(CacheValueError);
        expect(await cache.get('fn')).toBeUndefined();
      }
    });

    it('disconnect resolves, and the cache keeps answering', async () => {
      await expect(cache.disconnect()).resolves.toBeUndefined();
      await cache.set('after-disconnect', 1, 60_000);
      expect(await cache.get('after-disconnect')).toBe(1);
    });
  });
});
