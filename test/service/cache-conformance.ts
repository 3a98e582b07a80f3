import { randomUUID } from 'node:crypto';
import { CacheKeyError, CacheValueError, MAX_KEY_LENGTH } from '../../src';
import type { CacheManagerService } from '../../src/service/cache-manager.service';

/** A plain client on the same Redis, addressed with full keys (`prefix:version:key`). */
export interface RawCacheAccess {
  get(fullKey: string): Promise<string | null>;
  set(fullKey: string, value: string): Promise<unknown>;
  /** Seconds left, -1 for no expiry, -2 for absent (Redis TTL). */
  ttl(fullKey: string): Promise<number>;
  incrBy?(fullKey: string, delta: number): Promise<number>;
  del?(fullKey: string): Promise<unknown>;
}

export interface ConformanceTarget {
  cache: CacheManagerService;
  /** Redis only: lets the suite check what is really stored. */
  raw?: RawCacheAccess;
  /** Another cache on the same backend (other prefix or version): clear() must not touch it. */
  sibling?: CacheManagerService;
  /** CACHE_L1_VALUES=frozen: callers share one value that none of them can change, instead of each getting a copy. */
  frozenValues?: boolean;
  close(): Promise<void>;
}

/** Polls until `check` is true; fails after `limitMs`. Expiry is checked this way, never by its speed. */
async function eventually(check: () => Promise<boolean>, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${limitMs} ms`);
    await sleep(50);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

/** Every value the issue promises back exactly as it went in; checked with Object.is / toStrictEqual. */
function valueTable(): [string, unknown][] {
  const nested = { a: { b: { c: [1, { d: 'e' }] } }, list: [[], {}, [null]] };
  return [
    ['null', null],
    ['true', true],
    ['false', false],
    ['zero', 0],
    ['negative zero', -0],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['negative integer', -42],
    ['float', 3.141592653589793],
    ['MAX_SAFE_INTEGER', Number.MAX_SAFE_INTEGER],
    ['large number', 1.7976931348623157e308],
    ['tiny number', 5e-324],
    ['2^64 as a number', 2 ** 64],
    ['string', 'hello'],
    ['empty string', ''],
    ['ISO date string', '2024-01-01T00:00:00.000Z'],
    ['string starting with _', '_function_() { return 1 }'],
    ['string starting with ~', '~tilde'],
    ['string that looks like the rich marker', '~ig1:{"~t":"date","v":"2024-01-01T00:00:00.000Z"}'],
    ['JSON text', '{"token":"abc"}'],
    ['numeric string', '42'],
    ['unicode', 'Grüße 🌍 \u2028 日本語 \u0000 end'],
    ['array', [1, 'two', true, null]],
    ['empty array', []],
    ['empty object', {}],
    ['nested object', nested],
    ['object with ~ keys', { '~t': 'date', v: '2024-01-01T00:00:00.000Z' }],
    ['object with ~ keys beside a Date', { '~t': 'bigint', '~~t': 1, '~': 2, v: '1', when: new Date(0) }],
    [
      'object shaped like a rich tag inside a Map',
      new Map<unknown, unknown>([[{ '~t': 'set', v: [] }, { '~t': 'undefined' }]]),
    ],
    ['Date', new Date('2024-05-06T07:08:09.123Z')],
    ['invalid Date', new Date(Number.NaN)],
    ['BigInt', 12345678901234567890123456789n],
    ['negative BigInt', -1n],
    [
      'Map',
      new Map<unknown, unknown>([
        ['a', 1],
        [2, { b: [3] }],
        [null, new Date(5)],
      ]),
    ],
    ['Set', new Set<unknown>([1, 'a', null, 2n])],
    ['Buffer', Buffer.from([0, 1, 2, 254, 255])],
    ['empty Buffer', Buffer.alloc(0)],
    ['Uint8Array', new Uint8Array([9, 8, 7])],
    ['undefined inside an array', [1, undefined, 3]],
    ['undefined inside an object', { a: undefined, b: 1 }],
    [
      'mixed rich structure',
      { when: new Date(1), ids: new Set([1n]), raw: Buffer.from('x'), list: [new Map([['k', -0]])] },
    ],
  ];
}

function expectSameValue(actual: unknown, expected: unknown): void {
  if (expected === null || typeof expected !== 'object') {
    expect(Object.is(actual, expected)).toBe(true);
    return;
  }
  if (expected instanceof Date && Number.isNaN(expected.getTime())) {
    // Jest compares Dates by time value, and NaN never equals NaN.
    expect(actual).toBeInstanceOf(Date);
    expect((actual as Date).getTime()).toBeNaN();
    return;
  }
  expect(actual).toStrictEqual(expected);
  if (Buffer.isBuffer(expected)) expect(Buffer.isBuffer(actual)).toBe(true);
  else if (expected instanceof Uint8Array) expect(Buffer.isBuffer(actual)).toBe(false);
}

/**
 * The behaviour every storing backend must share, so that switching CACHE_BACKEND never
 * changes what the application sees. `setup` runs once; every test uses its own keys.
 */
export function describeCacheConformance(label: string, setup: () => Promise<ConformanceTarget>): void {
  describe(`cache conformance: ${label}`, () => {
    let target: ConformanceTarget;
    let cache: CacheManagerService;
    const run = randomUUID().slice(0, 8);
    let counter = 0;
    /** A key no other test uses. */
    const key = (name = 'k'): string => `${name}-${run}-${++counter}`;
    /** The key as stored in Redis: Django's `prefix:version:key`. */
    const fullKey = (k: string): string => {
      const info = cache.getBackendInfo();
      return `${info.keyPrefix}:${info.version}:${k}`;
    };

    beforeAll(async () => {
      target = await setup();
      cache = target.cache;
    });

    afterAll(async () => {
      await target?.close();
    });

    describe('return values', () => {
      it('get returns the value, or the default (undefined when none is given) on a miss', async () => {
        const k = key();
        expect(await cache.get(k)).toBeUndefined();
        expect(await cache.get(k, 'fallback')).toBe('fallback');
        expect(await cache.set(k, 'value')).toBe(true);
        expect(await cache.get(k, 'fallback')).toBe('value');
      });

      it('a stored null is a hit: get returns null, not the default, and exists is true', async () => {
        const k = key();
        await cache.set(k, null);
        expect(await cache.get(k, 'fallback')).toBeNull();
        expect(await cache.exists(k)).toBe(true);
        expect(await cache.getMany([k])).toEqual({ [k]: null });
      });

      it('exists and delete report presence', async () => {
        const k = key();
        expect(await cache.exists(k)).toBe(false);
        expect(await cache.delete(k)).toBe(false);
        await cache.set(k, 1);
        expect(await cache.exists(k)).toBe(true);
        expect(await cache.delete(k)).toBe(true);
        expect(await cache.exists(k)).toBe(false);
        expect(await cache.get(k)).toBeUndefined();
      });

      it('add stores only when the key is absent', async () => {
        const k = key();
        expect(await cache.add(k, 'first')).toBe(true);
        expect(await cache.add(k, 'second')).toBe(false);
        expect(await cache.get(k)).toBe('first');
      });

      it('add after expiry or delete stores again', async () => {
        const k = key();
        await cache.add(k, 'first');
        await cache.delete(k);
        expect(await cache.add(k, 'second')).toBe(true);
        expect(await cache.get(k)).toBe('second');
      });

      it('getMany returns only the keys it found, once each', async () => {
        const proto = key('__proto__-sibling');
        await cache.set('__proto__', { isAdmin: true });
        const many = await cache.getMany<unknown>(['__proto__', proto]);
        // An own entry, as JSON.parse makes it; the result's prototype stays Object.prototype.
        expect(Object.getPrototypeOf(many)).toBe(Object.prototype);
        expect(Object.keys(many)).toEqual(['__proto__']);
        expect(many.isAdmin).toBeUndefined();
        expect(Object.getOwnPropertyDescriptor(many, '__proto__')?.value).toStrictEqual({ isAdmin: true });
        await cache.delete('__proto__');
        const [a, b, missing] = [key('a'), key('b'), key('missing')];
        await cache.set(a, { n: 1 });
        await cache.set(b, [2]);
        const found = await cache.getMany([a, missing, b, a]);
        expect(found).toStrictEqual({ [a]: { n: 1 }, [b]: [2] });
        expect(Object.prototype.hasOwnProperty.call(found, missing)).toBe(false);
        expect(await cache.getMany([])).toStrictEqual({});
      });

      it('setMany stores every entry, from an object or a Map', async () => {
        const [a, b, c] = [key('a'), key('b'), key('c')];
        expect(await cache.setMany({ [a]: 1, [b]: new Date(7) })).toBe(true);
        expect(await cache.setMany(new Map([[c, 'three']]))).toBe(true);
        expect(await cache.getMany([a, b, c])).toStrictEqual({ [a]: 1, [b]: new Date(7), [c]: 'three' });
        expect(await cache.setMany({})).toBe(true);
      });

      it('setMany applies the timeout to every entry', async () => {
        const [a, b] = [key('a'), key('b')];
        await cache.setMany({ [a]: 1, [b]: 2 }, 100);
        for (const k of [a, b]) {
          const left = await cache.ttl(k);
          expect(left).toBeGreaterThan(90);
          expect(left).toBeLessThanOrEqual(100);
        }
        await cache.setMany({ [a]: 1 }, null);
        expect(await cache.ttl(a)).toBeNull();
      });

      it('deleteMany removes every key and ignores missing ones', async () => {
        const [a, b, c] = [key('a'), key('b'), key('c')];
        await cache.setMany({ [a]: 1, [b]: 2, [c]: 3 });
        expect(await cache.deleteMany([a, b, key('missing')])).toBe(true);
        expect(await cache.getMany([a, b, c])).toStrictEqual({ [c]: 3 });
        expect(await cache.deleteMany([])).toBe(true);
      });

      it('incr and decr return the new value; the default delta is 1', async () => {
        const k = key();
        await cache.set(k, 10);
        expect(await cache.incr(k)).toBe(11);
        expect(await cache.incr(k, 5)).toBe(16);
        expect(await cache.decr(k)).toBe(15);
        expect(await cache.decr(k, 20)).toBe(-5);
        expect(await cache.incr(k, -5)).toBe(-10);
        expect(await cache.get(k)).toBe(-10);
      });

      it('incr on a missing key returns null and creates nothing', async () => {
        const k = key();
        expect(await cache.incr(k)).toBeNull();
        expect(await cache.decr(k)).toBeNull();
        expect(await cache.exists(k)).toBe(false);
      });

      it.each([
        ['a float', 1.5],
        ['a numeric string', '5'],
        ['a boolean', true],
        ['an object', { n: 1 }],
        ['null', null],
        ['a BigInt', 5n],
      ])('incr on %s throws CacheValueError and leaves the value as it was', async (_name, value) => {
        const k = key();
        await cache.set(k, value);
        await expect(cache.incr(k)).rejects.toThrow(CacheValueError);
        await expect(cache.decr(k)).rejects.toMatchObject({ code: 'NOT_AN_INTEGER' });
        expectSameValue(await cache.get(k), value);
      });

      it.each([[1.5], [Number.NaN], [Number.POSITIVE_INFINITY], [2 ** 60]])(
        'a delta of %p throws CacheValueError',
        async (delta) => {
          const k = key();
          await cache.set(k, 1);
          await expect(cache.incr(k, delta)).rejects.toThrow(CacheValueError);
          await expect(cache.decr(k, delta)).rejects.toThrow(CacheValueError);
          expect(await cache.get(k)).toBe(1);
        },
      );

      it('incr past the safe integer range throws CacheValueError and leaves the value as it was', async () => {
        const [top, bottom] = [key('top'), key('bottom')];
        await cache.set(top, Number.MAX_SAFE_INTEGER - 1);
        expect(await cache.incr(top)).toBe(Number.MAX_SAFE_INTEGER);
        await expect(cache.incr(top)).rejects.toMatchObject({ name: 'CacheValueError', code: 'NOT_AN_INTEGER' });
        expect(await cache.get(top)).toBe(Number.MAX_SAFE_INTEGER);
        await cache.set(bottom, Number.MIN_SAFE_INTEGER);
        await expect(cache.decr(bottom)).rejects.toThrow(CacheValueError);
        expect(await cache.get(bottom)).toBe(Number.MIN_SAFE_INTEGER);
      });

      it('incr keeps the expiry of the entry', async () => {
        const k = key();
        await cache.set(k, 1, 100);
        await cache.incr(k);
        const left = await cache.ttl(k);
        expect(left).toBeGreaterThan(90);
        expect(left).toBeLessThanOrEqual(100);
        await cache.set(k, 1, null);
        await cache.incr(k);
        expect(await cache.ttl(k)).toBeNull();
      });

      it('touch sets a new timeout on an existing key only', async () => {
        const k = key();
        expect(await cache.touch(k, 100)).toBe(false);
        expect(await cache.exists(k)).toBe(false);
        await cache.set(k, 'v', null);
        expect(await cache.touch(k, 100)).toBe(true);
        const left = await cache.ttl(k);
        expect(left).toBeGreaterThan(90);
        expect(left).toBeLessThanOrEqual(100);
        expect(await cache.touch(k, null)).toBe(true);
        expect(await cache.ttl(k)).toBeNull();
        expect(await cache.touch(k)).toBe(true);
        expect(await cache.ttl(k)).toBe(cache.getBackendInfo().defaultTimeout);
        expect(await cache.get(k)).toBe('v');
      });

      it('ttl is seconds left, null for never, undefined for absent', async () => {
        const [timed, forever] = [key('timed'), key('forever')];
        await cache.set(timed, 1, 60);
        await cache.set(forever, 1, null);
        const left = await cache.ttl(timed);
        expect(Number.isInteger(left)).toBe(true);
        expect(left).toBeGreaterThan(50);
        expect(left).toBeLessThanOrEqual(60);
        expect(await cache.ttl(forever)).toBeNull();
        expect(await cache.ttl(key('absent'))).toBeUndefined();
      });

      it('getBackendInfo has the documented shape and no password', async () => {
        const info = cache.getBackendInfo();
        expect(['redis', 'hybrid', 'locmem']).toContain(info.backend);
        expect(typeof info.backendClass).toBe('string');
        expect(typeof info.keyPrefix).toBe('string');
        expect(Number.isInteger(info.version)).toBe(true);
        expect(info.defaultTimeout).toBeGreaterThan(0);
        const onRedis = info.backend === 'redis' || info.backend === 'hybrid';
        if (onRedis && (info.redisMode === undefined || info.redisMode === 'standalone')) {
          expect(typeof info.redisHost).toBe('string');
          expect(Number.isInteger(info.redisPort)).toBe(true);
          expect(Number.isInteger(info.redisDb)).toBe(true);
        } else if (!onRedis) {
          expect(info).not.toHaveProperty('redisHost');
          expect(info).not.toHaveProperty('redisPort');
        }
        if (info.backend === 'hybrid') {
          expect(info.tiers).toHaveLength(2);
          expect(info.l1MaxEntries).toBeGreaterThan(0);
          expect(typeof info.busLive).toBe('boolean');
          expect(info.busChannel).toMatch(/^ideagraph-cache:bus:v1:/);
        } else {
          expect(info).not.toHaveProperty('tiers');
        }
        expect(JSON.stringify(info).toLowerCase()).not.toContain('password');
      });
    });

    describe('timeouts', () => {
      it('an omitted timeout is the default timeout', async () => {
        const k = key();
        await cache.set(k, 1);
        const left = await cache.ttl(k);
        const { defaultTimeout } = cache.getBackendInfo();
        expect(left).toBeGreaterThan(defaultTimeout - 10);
        expect(left).toBeLessThanOrEqual(defaultTimeout);
      });

      it('null never expires', async () => {
        const k = key();
        await cache.set(k, 1, null);
        expect(await cache.ttl(k)).toBeNull();
        const added = key();
        await cache.add(added, 1, null);
        expect(await cache.ttl(added)).toBeNull();
        await cache.getOrSet(added + '-gos', () => 1, null);
        expect(await cache.ttl(added + '-gos')).toBeNull();
      });

      it.each([[0], [-1], [-0.5]])('a timeout of %p stores nothing and removes the existing entry', async (timeout) => {
        const k = key();
        expect(await cache.set(k, 'fresh', timeout)).toBe(true);
        expect(await cache.exists(k)).toBe(false);
        await cache.set(k, 'old');
        await cache.set(k, 'new', timeout);
        expect(await cache.exists(k)).toBe(false);
        expect(await cache.get(k)).toBeUndefined();

        await cache.set(k, 'old');
        await cache.setMany({ [k]: 'new' }, timeout);
        expect(await cache.exists(k)).toBe(false);

        await cache.set(k, 'old');
        expect(await cache.touch(k, timeout)).toBe(true);
        expect(await cache.exists(k)).toBe(false);

        expect(await cache.add(k, 'new', timeout)).toBe(false);
        expect(await cache.exists(k)).toBe(false);
      });

      it.each([[2_147_483_648], [1e16], [Number.MAX_VALUE]])(
        'a timeout of %p s, past the documented maximum, is a CacheValueError INVALID_TIMEOUT everywhere and writes nothing',
        async (timeout) => {
          const k = key();
          const calls: [string, () => Promise<unknown>][] = [
            ['set', () => cache.set(k, 1, timeout)],
            ['add', () => cache.add(k, 1, timeout)],
            ['setMany', () => cache.setMany({ [k]: 1 }, timeout)],
            ['touch', () => cache.touch(k, timeout)],
            ['getOrSet', () => cache.getOrSet(k, () => 1, timeout)],
          ];
          for (const [name, call] of calls) {
            await expect(call().then(() => `${name} resolved`)).rejects.toMatchObject({
              name: 'CacheValueError',
              code: 'INVALID_TIMEOUT',
            });
          }
          expect(await cache.exists(k)).toBe(false);
          expect(await cache.set(k, 1, 2_147_483_647)).toBe(true);
          expect(await cache.ttl(k)).toBeGreaterThan(2_147_483_000);
        },
      );

      it('a non-positive timeout on add never overwrites a present key', async () => {
        const k = key();
        await cache.set(k, 'kept');
        expect(await cache.add(k, 'other', 0)).toBe(false);
        expect(await cache.get(k)).toBe('kept');
      });

      it.each([[Number.NaN], [Number.POSITIVE_INFINITY], ['10'], [{}]])(
        'a timeout of %p throws CacheValueError and writes nothing',
        async (timeout) => {
          const k = key();
          const bad = timeout as unknown as number;
          await expect(cache.set(k, 1, bad)).rejects.toMatchObject({
            name: 'CacheValueError',
            code: 'INVALID_TIMEOUT',
          });
          await expect(cache.add(k, 1, bad)).rejects.toThrow(CacheValueError);
          await expect(cache.setMany({ [k]: 1 }, bad)).rejects.toThrow(CacheValueError);
          await expect(cache.touch(k, bad)).rejects.toThrow(CacheValueError);
          await expect(cache.getOrSet(k, () => 1, bad)).rejects.toThrow(CacheValueError);
          expect(await cache.exists(k)).toBe(false);
        },
      );

      it('an entry with a short timeout expires (set, add, setMany, touch)', async () => {
        const [viaSet, viaAdd, viaSetMany, viaTouch] = [key('set'), key('add'), key('setMany'), key('touch')];
        await cache.set(viaSet, 'v', 0.3);
        await cache.add(viaAdd, 'v', 0.3);
        await cache.setMany({ [viaSetMany]: 'v' }, 0.3);
        await cache.set(viaTouch, 'v', null);
        await cache.touch(viaTouch, 0.3);
        for (const k of [viaSet, viaAdd, viaSetMany, viaTouch]) {
          await eventually(async () => !(await cache.exists(k)));
          expect(await cache.get(k, 'gone')).toBe('gone');
          expect(await cache.ttl(k)).toBeUndefined();
        }
      });

      it('an entry is there before its timeout passes and gone after it', async () => {
        const k = key();
        // Long enough that even a stalled event loop reads it before it expires.
        await cache.set(k, 'v', 3);
        expect(await cache.get(k)).toBe('v');
        await eventually(async () => (await cache.get(k)) === undefined);
        expect(await cache.add(k, 'again', 60)).toBe(true);
      });

      it('incr does not revive an expired entry', async () => {
        const k = key();
        await cache.set(k, 5, 0.3);
        await eventually(async () => !(await cache.exists(k)));
        expect(await cache.incr(k)).toBeNull();
      });
    });

    describe('values: what you set is what you get', () => {
      it.each(valueTable())('%s round-trips through set/get', async (_name, value) => {
        const k = key();
        expect(await cache.set(k, value)).toBe(true);
        expectSameValue(await cache.get(k), value);
      });

      it('every value of the table round-trips through setMany/getMany and getOrSet', async () => {
        const table = valueTable();
        const keys = table.map(([name]) => key(name.replace(/\W+/g, '_')));
        await cache.setMany(Object.fromEntries(table.map(([, value], i) => [keys[i], value])));
        const found = await cache.getMany(keys);
        table.forEach(([, value], i) => expectSameValue(found[keys[i]], value));
        for (const [i, [, value]] of table.entries()) {
          expectSameValue(await cache.getOrSet(keys[i], () => 'not called'), value);
        }
      });

      it('add and getOrSet store values the same way as set', async () => {
        const [viaAdd, viaGetOrSet] = [key('add'), key('getOrSet')];
        const value = { when: new Date(3), n: 1n, s: '~ig1:x' };
        await cache.add(viaAdd, value);
        await cache.getOrSet(viaGetOrSet, () => value);
        expect(await cache.get(viaAdd)).toStrictEqual(value);
        expect(await cache.get(viaGetOrSet)).toStrictEqual(value);
      });

      const circular: Record<string, unknown> = { a: 1 };
      circular.self = circular;
      const circularArray: unknown[] = [];
      circularArray.push(circularArray);
      const circularMap = new Map<string, unknown>();
      circularMap.set('me', circularMap);
      const unstorable: [string, unknown][] = [
        ['a function', () => 1],
        ['a symbol', Symbol('s')],
        ['undefined', undefined],
        ['a circular object', circular],
        ['a circular array', circularArray],
        ['a circular Map', circularMap],
        ['a class instance', new Point(1, 2)],
        ['a class instance inside an array', [new Point(1, 2)]],
        ['a function inside an object', { f: () => 1 }],
        ['a symbol inside a Map', new Map([['s', Symbol('s')]])],
        ['a RegExp', /x/],
        ['a Promise', Promise.resolve(1)],
        ['a WeakMap', new WeakMap()],
        ['an Error', new Error('x')],
        ['a Float64Array', new Float64Array([1])],
      ];

      it.each(unstorable)('%s throws CacheValueError and nothing is written', async (_name, value) => {
        const [fresh, existing, counter] = [key('fresh'), key('existing'), key('counter')];
        await cache.set(existing, 'kept');
        await expect(cache.set(fresh, value)).rejects.toThrow(CacheValueError);
        await expect(cache.set(existing, value)).rejects.toThrow(CacheValueError);
        await expect(cache.add(fresh, value)).rejects.toThrow(CacheValueError);
        await expect(cache.setMany({ [counter]: 1, [fresh]: value })).rejects.toThrow(CacheValueError);
        // getOrSet awaits what its factory returns, so a Promise there is a value, not a bug; an
        // undefined result is stored as null, as Django's get_or_set stores None (get-or-set-undefined.spec.ts).
        if (!(value instanceof Promise) && value !== undefined)
          await expect(cache.getOrSet(fresh, () => value)).rejects.toThrow(CacheValueError);
        expect(await cache.exists(fresh)).toBe(false);
        expect(await cache.exists(counter)).toBe(false);
        expect(await cache.get(existing)).toBe('kept');
      });
    });

    describe('keys', () => {
      const badKeys: [string, unknown][] = [
        ['an empty string', ''],
        ['a number', 42],
        ['undefined', undefined],
        ['null', null],
        ['an object', { key: 'k' }],
        ['an array', ['k']],
        ['a key longer than the maximum', 'k'.repeat(MAX_KEY_LENGTH + 1)],
        ['a key with a newline', 'a\nb'],
        ['a key with a NUL', 'a\u0000b'],
        // Sent to Redis as U+FFFD, so each would share an entry with every other lone surrogate.
        ['a key with a lone high surrogate', 'user:\uDBFF'],
        ['a key with a lone low surrogate', 'user:\uDC00x'],
      ];

      it.each(badKeys)('%s throws CacheKeyError from every method and nothing is written', async (_name, bad) => {
        const k = bad as string;
        const good = key('good');
        const calls: [string, () => Promise<unknown>][] = [
          ['get', () => cache.get(k)],
          ['set', () => cache.set(k, 1)],
          ['add', () => cache.add(k, 1)],
          ['exists', () => cache.exists(k)],
          ['delete', () => cache.delete(k)],
          ['getMany', () => cache.getMany([good, k])],
          [
            'setMany',
            () =>
              cache.setMany(
                new Map<string, unknown>([
                  [good, 1],
                  [k, 1],
                ]),
              ),
          ],
          ['deleteMany', () => cache.deleteMany([good, k])],
          ['incr', () => cache.incr(k)],
          ['decr', () => cache.decr(k)],
          ['touch', () => cache.touch(k)],
          ['ttl', () => cache.ttl(k)],
          ['getOrSet', () => cache.getOrSet(k, () => 1)],
        ];
        for (const [name, call] of calls) {
          await expect(call().then(() => `${name} resolved`)).rejects.toThrow(CacheKeyError);
        }
        expect(await cache.exists(good)).toBe(false);
      });

      it('a key of exactly the maximum length, with unicode, spaces and colons, works', async () => {
        // A well-formed surrogate pair is a key like any other.
        const emoji = key('user:\uD83C\uDF0D');
        await cache.set(emoji, 'pair');
        expect(await cache.get(emoji)).toBe('pair');
        const long = `${run}-`.padEnd(MAX_KEY_LENGTH, 'x');
        const odd = key('ключ 🔑:with:colons and spaces');
        for (const k of [long, odd]) {
          expect(await cache.set(k, k)).toBe(true);
          expect(await cache.get(k)).toBe(k);
        }
      });

      it('keys are case-sensitive and glob characters in them are literal', async () => {
        const base = key('Case');
        await cache.set(base, 'upper');
        await cache.set(base.toLowerCase(), 'lower');
        await cache.set(`${base}*?[x]`, 'glob');
        expect(await cache.get(base)).toBe('upper');
        expect(await cache.get(base.toLowerCase())).toBe('lower');
        expect(await cache.get(`${base}*?[x]`)).toBe('glob');
      });
    });

    describe('copies', () => {
      it('changing an object after set does not change the cache', async () => {
        const k = key();
        const value = { list: [1, 2], nested: { n: 1 }, map: new Map([['a', 1]]) };
        await cache.set(k, value);
        value.list.push(3);
        value.nested.n = 99;
        value.map.set('b', 2);
        expect(await cache.get(k)).toStrictEqual({ list: [1, 2], nested: { n: 1 }, map: new Map([['a', 1]]) });
      });

      it('changing a returned object does not change the cache (get, getMany, getOrSet)', async () => {
        const k = key();
        await cache.set(k, { list: [1], when: new Date(0) });
        const first = await cache.get<{ list: number[]; when: Date }>(k);
        first!.list.push(2);
        first!.when.setTime(1000);
        const many = await cache.getMany<{ list: number[] }>([k]);
        many[k].list.push(3);
        const viaGetOrSet = await cache.getOrSet<{ list: number[] }>(k, () => ({ list: [] }));
        viaGetOrSet.list.push(4);
        expect(await cache.get(k)).toStrictEqual({ list: [1], when: new Date(0) });
      });

      it('changing a value given to setMany or add does not change the cache', async () => {
        const [a, b] = [key('a'), key('b')];
        const value = { n: [1] };
        await cache.setMany({ [a]: value });
        await cache.add(b, value);
        value.n.push(2);
        expect(await cache.getMany([a, b])).toStrictEqual({ [a]: { n: [1] }, [b]: { n: [1] } });
      });
    });

    describe('atomicity under concurrency', () => {
      it('50 concurrent add on one key: exactly one succeeds and its value stays', async () => {
        const k = key();
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => cache.add(k, i)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await cache.get(k)).toBe(results.indexOf(true));
      });

      it('200 concurrent incr give the exact total and 200 distinct results', async () => {
        const k = key();
        await cache.set(k, 0);
        const results = await Promise.all(Array.from({ length: 200 }, () => cache.incr(k)));
        expect(await cache.get(k)).toBe(200);
        expect(new Set(results).size).toBe(200);
        expect(Math.max(...(results as number[]))).toBe(200);
      });

      it('concurrent incr and decr cancel out exactly', async () => {
        const k = key();
        await cache.set(k, 1000);
        await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? cache.incr(k, 3) : cache.decr(k, 3))));
        expect(await cache.get(k)).toBe(1000);
      });
    });

    describe('getOrSet', () => {
      it('returns the cached value without calling the factory', async () => {
        const k = key();
        await cache.set(k, 'cached');
        const factory = jest.fn(() => 'fresh');
        expect(await cache.getOrSet(k, factory)).toBe('cached');
        expect(factory).not.toHaveBeenCalled();
      });

      it('a cached null is a hit', async () => {
        const k = key();
        await cache.set(k, null);
        const factory = jest.fn(() => 'fresh');
        expect(await cache.getOrSet(k, factory)).toBeNull();
        expect(factory).not.toHaveBeenCalled();
      });

      it('stores the factory result with the given timeout', async () => {
        const k = key();
        expect(await cache.getOrSet(k, async () => ({ n: 1 }), 100)).toStrictEqual({ n: 1 });
        expect(await cache.get(k)).toStrictEqual({ n: 1 });
        const left = await cache.ttl(k);
        expect(left).toBeGreaterThan(90);
        expect(left).toBeLessThanOrEqual(100);
      });

      it('100 concurrent callers share one async factory call', async () => {
        const k = key();
        let calls = 0;
        const factory = async () => {
          calls++;
          await sleep(50);
          return { computed: calls };
        };
        const results = await Promise.all(Array.from({ length: 100 }, () => cache.getOrSet(k, factory)));
        expect(calls).toBe(1);
        for (const result of results) expect(result).toStrictEqual({ computed: 1 });
        expect(await cache.get(k)).toStrictEqual({ computed: 1 });
      });

      it('concurrent callers share one synchronous factory call', async () => {
        const k = key();
        const factory = jest.fn(() => 'once');
        const results = await Promise.all(Array.from({ length: 50 }, () => cache.getOrSet(k, factory)));
        expect(factory).toHaveBeenCalledTimes(1);
        expect(new Set(results)).toEqual(new Set(['once']));
      });

      it('callers that arrive while the factory runs join it', async () => {
        const k = key();
        let calls = 0;
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        const factory = async () => {
          calls++;
          await gate;
          return 'value';
        };
        const first = cache.getOrSet(k, factory);
        await sleep(20);
        const late = [cache.getOrSet(k, factory), cache.getOrSet(k, factory)];
        await sleep(20);
        const later = cache.getOrSet(k, factory);
        release();
        expect(await Promise.all([first, ...late, later])).toEqual(['value', 'value', 'value', 'value']);
        expect(calls).toBe(1);
      });

      it('a factory error reaches every waiting caller and nothing is stored', async () => {
        const k = key();
        let calls = 0;
        const failure = new Error('factory failed');
        const factory = async () => {
          calls++;
          await sleep(30);
          throw failure;
        };
        const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => cache.getOrSet(k, factory)));
        expect(calls).toBe(1);
        for (const outcome of outcomes) expect(outcome).toEqual({ status: 'rejected', reason: failure });
        expect(await cache.exists(k)).toBe(false);
        expect(await cache.getOrSet(k, () => 'recovered')).toBe('recovered');
        expect(await cache.get(k)).toBe('recovered');
      });

      it('a synchronous factory throw reaches the caller and nothing is stored', async () => {
        const k = key();
        await expect(
          cache.getOrSet(k, () => {
            throw new RangeError('sync');
          }),
        ).rejects.toThrow(RangeError);
        expect(await cache.exists(k)).toBe(false);
      });

      it('a synchronous factory throw does not break the key: the next call runs its own factory, and a stored value is read', async () => {
        const k = key('cfg');
        await expect(cache.getOrSet(k, () => JSON.parse('{bad') as unknown)).rejects.toThrow(SyntaxError);
        await expect(cache.getOrSet(k, () => 'second')).resolves.toBe('second');
        const other = key('cfg');
        await expect(cache.getOrSet(other, () => JSON.parse('{bad') as unknown)).rejects.toThrow(SyntaxError);
        await cache.set(other, 'stored by another writer');
        await expect(cache.getOrSet(other, () => 'factory')).resolves.toBe('stored by another writer');
      });

      it('callers sharing a factory call each get their own copy (or, frozen, one none of them can change)', async () => {
        const k = key();
        const [first, second, third] = await Promise.all(
          Array.from({ length: 3 }, () => cache.getOrSet(k, async () => ({ list: [1] }))),
        );
        if (target.frozenValues) {
          expect(() => first.list.push(2)).toThrow(TypeError);
          expect(() => second.list.push(3)).toThrow(TypeError);
        } else {
          first.list.push(2);
          second.list.push(3);
        }
        expect(third).toStrictEqual({ list: [1] });
        expect(await cache.get(k)).toStrictEqual({ list: [1] });
      });

      it('different keys do not share a factory call', async () => {
        const [a, b] = [key('a'), key('b')];
        const [x, y] = await Promise.all([cache.getOrSet(a, async () => 'A'), cache.getOrSet(b, async () => 'B')]);
        expect([x, y]).toEqual(['A', 'B']);
      });
    });

    describe('clear', () => {
      it("removes this cache's keys and leaves another cache's keys on the same backend", async () => {
        const [a, b] = [key('a'), key('b')];
        await cache.setMany({ [a]: 1, [b]: 2 });
        await target.sibling?.set(a, 'sibling');
        expect(await cache.clear()).toBe(true);
        expect(await cache.getMany([a, b])).toStrictEqual({});
        if (target.sibling) expect(await target.sibling.get(a)).toBe('sibling');
        await target.sibling?.delete(a);
        expect(await cache.set(a, 'after')).toBe(true);
        expect(await cache.get(a)).toBe('after');
      });
    });

    describe('what Redis holds (raw client on the same server)', () => {
      const raw = (): RawCacheAccess => {
        if (!target.raw) throw new Error('this target gives no raw client');
        return target.raw;
      };
      const onlyWithRaw = (name: string, fn: () => Promise<void>) =>
        it(name, async () => {
          if (!target.raw) {
            // Backends without a raw view hold nothing outside this process to inspect.
            expect(cache.getBackendInfo().backend).not.toBe('redis');
            return;
          }
          await fn();
        });

      onlyWithRaw("keys are stored as Django's prefix:version:key", async () => {
        const k = key('graph_token_cache');
        await cache.set(k, { token: 'abc' });
        const info = cache.getBackendInfo();
        expect(fullKey(k)).toBe(`${info.keyPrefix}:${info.version}:${k}`);
        if (info.keyPrefix === '' && info.version === 1) expect(fullKey(k)).toBe(`:1:${k}`);
        expect(await raw().get(fullKey(k))).toBe('{"token":"abc"}');
        expect(await raw().get(k)).toBeNull();
      });

      onlyWithRaw('plain JSON values are stored as their JSON text', async () => {
        const cases: [unknown, string][] = [
          [{ token: 'abc' }, '{"token":"abc"}'],
          ['text', '"text"'],
          ['2024-01-01T00:00:00.000Z', '"2024-01-01T00:00:00.000Z"'],
          [true, 'true'],
          [null, 'null'],
          [[1, 'a'], '[1,"a"]'],
          [1.5, '1.5'],
        ];
        for (const [value, text] of cases) {
          const k = key();
          await cache.set(k, value);
          expect(await raw().get(fullKey(k))).toBe(text);
        }
      });

      onlyWithRaw('integers are stored plain, so a raw INCRBY and incr agree', async () => {
        const k = key('counter');
        await cache.set(k, 41);
        expect(await raw().get(fullKey(k))).toBe('41');
        expect(await cache.incr(k)).toBe(42);
        expect(await raw().get(fullKey(k))).toBe('42');
        if (raw().incrBy) expect(await raw().incrBy!(fullKey(k), 8)).toBe(50);
        else await raw().set(fullKey(k), '50');
        expect(await cache.get(k)).toBe(50);
        expect(await cache.incr(k, 10)).toBe(60);
      });

      onlyWithRaw(
        'tagged text that does not decode to a storable value is a miss: the default wins and getOrSet runs its factory',
        async () => {
          const hostile = [
            '~ig1:{"~t":"undefined"}',
            '~ig1:{"~t":"nosuchtag","v":1}',
            '~ig1:{"~t":"bigint","v":"12abc"}',
            '~ig1:{"~t":"map","v":5}',
            '~ig1:{"~t":"number","v":"7"}',
            '~ig1:{"~t":"date","v":"2024","extra":1}',
            '~ig1:not json',
          ];
          for (const text of hostile) {
            const k = key('hostile');
            await raw().set(fullKey(k), text);
            expect(await cache.get(k, 'DEF')).toBe('DEF');
            expect(await cache.getMany([k])).toStrictEqual({});
            expect(await cache.getOrSet(k, () => 'from factory')).toBe('from factory');
          }
        },
      );

      onlyWithRaw('values written by another client are read back', async () => {
        const [json, plain] = [key('json'), key('plain')];
        await raw().set(fullKey(json), '{"written":"by redis-cli"}');
        await raw().set(fullKey(plain), 'not json at all');
        expect(await cache.get(json)).toStrictEqual({ written: 'by redis-cli' });
        expect(await cache.get(plain)).toBe('not json at all');
      });

      onlyWithRaw('the default timeout shows on the raw key as TTL', async () => {
        const k = key('ttl');
        await cache.set(k, 'v');
        const { defaultTimeout } = cache.getBackendInfo();
        const ttl = await raw().ttl(fullKey(k));
        expect(ttl).toBeGreaterThan(defaultTimeout - 10);
        expect(ttl).toBeLessThanOrEqual(defaultTimeout);
        if (defaultTimeout === 300) expect(ttl).toBeGreaterThanOrEqual(290);
        await cache.set(k, 'v', null);
        expect(await raw().ttl(fullKey(k))).toBe(-1);
      });

      onlyWithRaw('rich values are stored behind a marker a user string never carries', async () => {
        const [rich, lookalike] = [key('rich'), key('lookalike')];
        await cache.set(rich, new Date(0));
        await cache.set(lookalike, '~ig1:{"~t":"date","v":"1970-01-01T00:00:00.000Z"}');
        expect(await raw().get(fullKey(rich))).toMatch(/^~ig1:/);
        expect(await raw().get(fullKey(lookalike))).toMatch(/^"/);
        expect(await cache.get(lookalike)).toBe('~ig1:{"~t":"date","v":"1970-01-01T00:00:00.000Z"}');
      });

      onlyWithRaw('a foreign key (another prefix, another version, no prefix at all) survives clear()', async () => {
        const info = cache.getBackendInfo();
        const suffix = key('foreign');
        const foreign = [
          `otherapp:${info.version}:${suffix}`,
          `${info.keyPrefix}:${info.version + 1}:${suffix}`,
          `no-prefix-${suffix}`,
          `${info.keyPrefix}${info.version}${suffix}`,
          // What the prefix would match as an unescaped SCAN pattern: `a*` must not take `aX`.
          `${info.keyPrefix
            .replace(/\*/g, 'X')
            .replace(/\?/g, 'Y')
            .replace(/\[(.)[^\]]*\]/g, '$1')}:${info.version}:${suffix}`,
        ].filter((k) => k !== fullKey(suffix));
        for (const k of foreign) await raw().set(k, 'foreign');
        const own = key('own');
        await cache.set(own, 'mine');
        expect(await cache.clear()).toBe(true);
        expect(await raw().get(fullKey(own))).toBeNull();
        for (const k of foreign) expect(await raw().get(k)).toBe('foreign');
        for (const k of foreign) await raw().del?.(k);
      });

      onlyWithRaw('clear() removes more keys than one SCAN batch', async () => {
        const keys = Array.from({ length: 2500 }, (_, i) => key(`bulk${i}`));
        for (let i = 0; i < keys.length; i += 500) {
          await cache.setMany(Object.fromEntries(keys.slice(i, i + 500).map((k) => [k, 1])));
        }
        expect(await cache.clear()).toBe(true);
        expect(await cache.getMany(keys)).toStrictEqual({});
      });
    });
  });
}
