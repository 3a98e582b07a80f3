import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { CacheManagerService } from '../../src';
import { describeCacheConformance } from './cache-conformance';
import { locmemTarget } from './cache-targets';

describeCacheConformance('locmem', () => locmemTarget());

describe('locmem: bounded by CACHE_MAX_ENTRIES, least recently used first', () => {
  let app: INestApplication;
  let cache: CacheManagerService;

  beforeAll(async () => {
    ({ app, cache } = await locmemTarget({ CACHE_MAX_ENTRIES: '3' }));
  });

  afterAll(async () => {
    await app.close();
  });

  beforeEach(async () => {
    await cache.clear();
  });

  it('evicts the least recently used entry, not the oldest write', async () => {
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.set('c', 3);
    expect(await cache.get('a')).toBe(1);
    await cache.set('d', 4);
    expect(await cache.exists('b')).toBe(false);
    expect(await cache.getMany(['a', 'c', 'd'])).toStrictEqual({ a: 1, c: 3, d: 4 });
  });

  it.each([
    ['exists', (c: CacheManagerService) => c.exists('a')],
    ['getMany', (c: CacheManagerService) => c.getMany(['a'])],
    ['incr', (c: CacheManagerService) => c.incr('a')],
    ['touch', (c: CacheManagerService) => c.touch('a', 60)],
    ['ttl', (c: CacheManagerService) => c.ttl('a')],
    ['set', (c: CacheManagerService) => c.set('a', 1)],
  ])('%s counts as a use', async (_name, use) => {
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.set('c', 3);
    await use(cache);
    await cache.set('d', 4);
    expect(await cache.exists('b')).toBe(false);
    expect(await cache.exists('a')).toBe(true);
  });

  it('never holds more than CACHE_MAX_ENTRIES entries', async () => {
    for (let i = 0; i < 50; i++) await cache.set(`k${i}`, i);
    const found = await cache.getMany(Array.from({ length: 50 }, (_, i) => `k${i}`));
    expect(found).toStrictEqual({ k47: 47, k48: 48, k49: 49 });
    expect(await cache.setMany({ x: 1, y: 2, z: 3, w: 4 })).toBe(true);
    expect(await cache.getMany(['x', 'y', 'z', 'w'])).toStrictEqual({ y: 2, z: 3, w: 4 });
  });

  it('a health probe does not evict an entry', async () => {
    await cache.set('a', 1);
    await cache.set('b', 2);
    await cache.set('c', 3);
    await request(app.getHttpServer()).get('/health/cache').expect(200);
    expect(await cache.getMany(['a', 'b', 'c'])).toStrictEqual({ a: 1, b: 2, c: 3 });
  });

  it('an expired entry frees its place', async () => {
    await cache.set('short', 1, 0.2);
    await cache.set('b', 2);
    await cache.set('c', 3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await cache.set('d', 4);
    expect(await cache.getMany(['b', 'c', 'd'])).toStrictEqual({ b: 2, c: 3, d: 4 });
  });
});
