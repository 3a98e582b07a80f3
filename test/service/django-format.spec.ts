import type { INestApplication } from '@nestjs/common';
import { CacheManagerService, CacheValueError } from '../../src';
import { RedisTestServer } from '../helpers/redis-server';
import { createCacheApp } from '../helpers/test-app';

class Point {
  constructor(readonly x: number) {}
}

/** CacheManagerService's own rules under CACHE_VALUE_FORMAT=django, on an in-process and a Redis backend. */
describe.each(['locmem', 'redis'])('CacheManagerService with CACHE_VALUE_FORMAT=django (%s)', (backend) => {
  let redis: RedisTestServer | undefined;
  let app: INestApplication;
  let cache: CacheManagerService;

  beforeAll(async () => {
    redis = backend === 'redis' ? await RedisTestServer.start() : undefined;
    app = await createCacheApp({
      ...redis?.env(),
      CACHE_BACKEND: backend,
      CACHE_VALUE_FORMAT: 'django',
      CACHE_MAX_VALUE_BYTES: '1000',
    });
    cache = app.get(CacheManagerService);
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('CACHE_MAX_VALUE_BYTES counts the bytes stored: one per byte of the pickle', async () => {
    // 980 bytes of 0xff pickle to 998 bytes (UTF-8 would have made them 1960).
    expect(await cache.set('fits', Buffer.alloc(980, 0xff))).toBe(true);
    expect(await cache.get('fits')).toStrictEqual(Buffer.alloc(980, 0xff));
    await expect(cache.set('too-big', Buffer.alloc(990, 0xff))).rejects.toMatchObject({
      name: 'CacheValueError',
      code: 'TOO_LARGE',
    });
    expect(await cache.exists('too-big')).toBe(false);
  });

  const circular: Record<string, unknown> = {};
  circular.self = circular;
  let deep: unknown = 1;
  for (let i = 0; i < 101; i++) deep = [deep];

  it.each<[string, unknown, string]>([
    ['a function', () => 1, 'UNSUPPORTED_TYPE'],
    ['a class instance', new Point(1), 'UNSUPPORTED_TYPE'],
    ['an Int16Array', new Int16Array([1]), 'UNSUPPORTED_TYPE'],
    ['a Map with an array key (unhashable in Python)', new Map([[[1], 'x']]), 'UNSUPPORTED_TYPE'],
    ['a Set with an object in it', new Set([{ a: 1 }]), 'UNSUPPORTED_TYPE'],
    [
      'a Map whose keys 1 and true are one key in Python',
      new Map<unknown, string>([
        [1, 'a'],
        [true, 'b'],
      ]),
      'UNSUPPORTED_TYPE',
    ],
    ['a Set with 2 and 2n', new Set<unknown>([2, 2n]), 'UNSUPPORTED_TYPE'],
    ['an invalid Date', new Date(Number.NaN), 'UNSUPPORTED_TYPE'],
    ['a Date in year 10000', new Date('+010000-01-01T00:00:00Z'), 'UNSUPPORTED_TYPE'],
    ['a Date before year 1', new Date('-000001-01-01T00:00:00Z'), 'UNSUPPORTED_TYPE'],
    ['a circular object', circular, 'CIRCULAR'],
    ['lists nested 102 deep', deep, 'UNSUPPORTED_TYPE'],
  ])('%s cannot be stored for Django: CacheValueError, nothing written', async (_name, value, code) => {
    await expect(cache.set('refused', value)).rejects.toMatchObject({ name: 'CacheValueError', code });
    await expect(cache.setMany({ other: 1, refused: value })).rejects.toThrow(CacheValueError);
    expect(await cache.exists('refused')).toBe(false);
    expect(await cache.exists('other')).toBe(false);
  });

  it('incr works on stored integers (decimal text), refuses pickled values', async () => {
    await cache.set('n', 5);
    expect(await cache.incr('n', 2)).toBe(7);
    expect(await cache.get('n')).toBe(7);
    await cache.set('f', 1.5);
    await expect(cache.incr('f')).rejects.toMatchObject({ code: 'NOT_AN_INTEGER' });
    await cache.set('s', '5');
    await expect(cache.incr('s')).rejects.toMatchObject({ code: 'NOT_AN_INTEGER' });
  });

  it('getOrSet: callers that joined the factory call get what a read gives back (a Map with string keys is a dict)', async () => {
    const made = new Map([['a', new Set([1])]]);
    const [own, joined] = await Promise.all([cache.getOrSet('copy', () => made), cache.getOrSet('copy', () => made)]);
    expect(own).toBe(made);
    expect(joined).toStrictEqual({ a: new Set([1]) });
    expect(await cache.get('copy')).toStrictEqual({ a: new Set([1]) });
  });

  it('getOrSet with grace and refresh-ahead works (its entries are Nest-only)', async () => {
    let calls = 0;
    const factory = () => ({ calls: ++calls, at: new Date(0) });
    expect(await cache.getOrSet('fresh', factory, 60, { grace: 30, refreshAhead: 0.5 })).toStrictEqual({
      calls: 1,
      at: new Date(0),
    });
    expect(await cache.getOrSet('fresh', factory, 60, { grace: 30, refreshAhead: 0.5 })).toStrictEqual({
      calls: 1,
      at: new Date(0),
    });
    expect(await cache.ttl('fresh')).toBeGreaterThan(50);
  });

  it('tags work, tag names beyond U+00FF included (the entry header stays ASCII on a byte store)', async () => {
    for (const tag of ['plain', 'grüße', 'price-€', '日本']) {
      expect(await cache.set(`tagged:${tag}`, { tag }, 60, { tags: [tag] })).toBe(true);
      expect(await cache.get(`tagged:${tag}`)).toEqual({ tag });
      await cache.invalidateTags([tag]);
      expect(await cache.get(`tagged:${tag}`)).toBeUndefined();
    }
  });

  it('strings, including ones that look like numbers or JSON, stay strings', async () => {
    for (const text of ['42', '', '{"a":1}', '~ig1:x', 'é\u0000\uffff']) {
      await cache.set('text', text);
      expect(await cache.get('text')).toBe(text);
    }
  });
});
