import type { INestApplication } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import { CACHE_MANAGER, CacheKeyError, CacheManagerService } from '../../src/index';
import { redisAppFixture } from '../helpers/redis-app-fixture';
import { createCacheApp } from '../helpers/test-app';

const fixture = redisAppFixture();
const { cacheOn } = fixture;

/** Keys under the prefixes the cache keeps for its tag versions and fleet locks. */
const RESERVED = ['~tag:orders', '~lock:abc'];

/** Every public call of the service on `key`; each must refuse a reserved key before anything is sent. */
function publicCalls(cache: CacheManagerService, key: string): [string, () => Promise<unknown>][] {
  return [
    ['get', () => cache.get(key)],
    ['get with default', () => cache.get(key, 'default')],
    ['set', () => cache.set(key, 'v')],
    ['set with tags', () => cache.set(key, 'v', 60, { tags: ['t'] })],
    ['add', () => cache.add(key, 'v')],
    ['exists', () => cache.exists(key)],
    ['delete', () => cache.delete(key)],
    ['deleteIfEquals', () => cache.deleteIfEquals(key, 'v')],
    ['getMany', () => cache.getMany(['plain', key])],
    ['setMany', () => cache.setMany({ plain: 1, [key]: 2 })],
    ['setMany with tags', () => cache.setMany({ plain: 1, [key]: 2 }, 60, { tags: ['t'] })],
    ['deleteMany', () => cache.deleteMany(['plain', key])],
    ['incr', () => cache.incr(key)],
    ['decr', () => cache.decr(key)],
    ['touch', () => cache.touch(key, 60)],
    ['ttl', () => cache.ttl(key)],
    ['getOrSet', () => cache.getOrSet(key, () => 'v')],
    ['getOrSetMany', () => cache.getOrSetMany(['plain', key], (keys) => Object.fromEntries(keys.map((k) => [k, 1])))],
  ];
}

describe.each(['locmem', 'redis', 'hybrid'] as const)('reserved keys on %s', (backend) => {
  it.each(RESERVED)(
    'every public call refuses %p with a typed CacheKeyError (code RESERVED), and stores nothing',
    async (key) => {
      const cache = await cacheOn(backend);
      for (const [name, call] of publicCalls(cache, key)) {
        const error = await call().then(
          () => new Error(`${name} accepted ${key}`),
          (refused: unknown) => refused,
        );
        expect([name, error]).toEqual([name, expect.any(CacheKeyError)]);
        expect([name, (error as CacheKeyError).code]).toEqual([name, 'RESERVED']);
      }
      if (backend !== 'locmem') expect(await fixture.raw.keys('*')).toEqual([]);
    },
  );

  it('the cache still uses its own reserved keys: tags and the fleet lock work', async () => {
    const cache = await cacheOn(backend);
    expect(await cache.getOrSet('report', () => 'r', 60, { tags: ['orders'], fleetLock: true })).toBe('r');
    expect(await cache.get('report')).toBe('r');
    expect(await cache.invalidateTags(['orders'])).toBe(true);
    expect(await cache.get('report')).toBeUndefined();
  });
});

describe.each(['redis', 'hybrid'] as const)('an old tag version written back on %s', (backend) => {
  it('is refused, and the invalidated entries stay invalidated', async () => {
    const cache = await cacheOn(backend);
    await cache.set('order:1', { total: 10 }, 600, { tags: ['orders'] });
    // What get('~tag:orders') answered before such keys were refused.
    const oldVersion = JSON.parse((await fixture.raw.get(':1:~tag:orders'))!) as string;
    expect(await cache.invalidateTags(['orders'])).toBe(true);
    expect(await cache.get('order:1')).toBeUndefined();

    await expect(cache.set('~tag:orders', oldVersion, null)).rejects.toMatchObject({
      name: 'CacheKeyError',
      code: 'RESERVED',
    });
    await expect(cache.setMany({ '~tag:orders': oldVersion }, null)).rejects.toMatchObject({ code: 'RESERVED' });
    expect(await cache.get('order:1')).toBeUndefined();
    expect(JSON.parse((await fixture.raw.get(':1:~tag:orders'))!)).not.toBe(oldVersion);
  });
});

describe('reserved keys through CACHE_MANAGER (the cache-manager / Keyv adapter)', () => {
  let app: INestApplication;
  afterEach(async () => {
    await app?.close();
  });

  it('reads answer a miss (cache-manager turns every read error into one), writes and deletes reject; nothing stored changes', async () => {
    app = await createCacheApp({ ...fixture.redis.env(), CACHE_BACKEND: 'redis' });
    await app.get(CacheManagerService).set('order:1', 1, 600, { tags: ['orders'] });
    const version = await fixture.raw.get(':1:~tag:orders');
    const manager = app.get<Cache>(CACHE_MANAGER);
    expect(await manager.get('~tag:orders')).toBeUndefined();
    expect(await manager.mget(['~tag:orders'])).toEqual([undefined]);
    expect(await manager.ttl('~tag:orders')).toBeUndefined();
    const writes: [string, () => Promise<unknown>][] = [
      ['set', () => manager.set('~tag:orders', 'v', 60_000)],
      ['mset', () => manager.mset([{ key: '~lock:abc', value: 'v' }])],
      ['del', () => manager.del('~tag:orders')],
      ['mdel', () => manager.mdel(['~tag:orders'])],
    ];
    for (const [name, call] of writes) {
      const error = await call().then(
        () => new Error(`${name} accepted a reserved key`),
        (refused: unknown) => refused,
      );
      expect([name, error]).toEqual([name, expect.any(CacheKeyError)]);
    }
    expect(await fixture.raw.get(':1:~tag:orders')).toBe(version);
    expect(await fixture.raw.keys(':1:~lock:*')).toEqual([]);
  });
});
