import { CacheInterceptor, CacheKey, CacheTTL, CACHE_MANAGER as NEST_CACHE_MANAGER } from '@nestjs/cache-manager';
import { Controller, Get, Inject, type INestApplication, Param, UseInterceptors } from '@nestjs/common';
import type { Cache } from 'cache-manager';
import request from 'supertest';
import { CacheManagerService } from '../../src/index';
import { RedisTestServer } from '../helpers/redis-server';
import { createHostApp } from '../helpers/ecosystem-app';

/** A controller written for @nestjs/cache-manager, unchanged. */
@Controller('items')
@UseInterceptors(CacheInterceptor)
class ItemsController {
  handled = 0;

  constructor(@Inject(NEST_CACHE_MANAGER) readonly cache: Cache) {}

  @Get('featured')
  @CacheKey('featured-items')
  @CacheTTL(60_000)
  featured(): { items: string[]; handled: number } {
    this.handled++;
    return { items: ['lamp', 'desk'], handled: this.handled };
  }

  @Get(':id')
  item(@Param('id') id: string): { id: string; handled: number } {
    this.handled++;
    return { id, handled: this.handled };
  }
}

const BACKENDS = ['locmem', 'redis', 'hybrid'] as const;

describe.each(BACKENDS)('CacheInterceptor from @nestjs/cache-manager on %s', (backend) => {
  let redis: RedisTestServer | undefined;
  let app: INestApplication;
  let items: ItemsController;

  beforeAll(async () => {
    redis = backend === 'locmem' ? undefined : await RedisTestServer.start();
    app = await createHostApp(
      {
        ...(redis ? { ...redis.env(), CACHE_BACKEND: backend } : { CACHE_BACKEND: 'locmem' }),
        CACHE_KEY_PREFIX: 'shop',
        CACHE_VERSION: '3',
      },
      { controllers: [ItemsController] },
    );
    items = app.get(ItemsController);
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  beforeEach(async () => {
    await app.get(CacheManagerService).clear();
    items.handled = 0;
  });

  it('answers the second GET from the cache without reaching the handler, with X-Cache: HIT', async () => {
    const first = await request(app.getHttpServer()).get('/items/7').expect(200);
    expect(first.headers['x-cache']).toBe('MISS');
    expect(first.body).toEqual({ id: '7', handled: 1 });

    const second = await request(app.getHttpServer()).get('/items/7').expect(200);
    expect(second.headers['x-cache']).toBe('HIT');
    expect(second.body).toEqual({ id: '7', handled: 1 });
    expect(items.handled).toBe(1);

    await request(app.getHttpServer()).get('/items/8').expect(200, { id: '8', handled: 2 });
    expect(items.handled).toBe(2);
  });

  it('uses @CacheKey and reads @CacheTTL as milliseconds', async () => {
    await request(app.getHttpServer()).get('/items/featured').expect(200);
    const again = await request(app.getHttpServer()).get('/items/featured').expect(200);
    expect(again.headers['x-cache']).toBe('HIT');
    expect(items.handled).toBe(1);

    // 60_000 ms is 60 s, not 60_000 s.
    const ttl = await app.get(CacheManagerService).ttl('featured-items');
    expect(ttl).toBeGreaterThan(50);
    expect(ttl).toBeLessThanOrEqual(60);
  });

  it("injects this module's cache under @nestjs/cache-manager's CACHE_MANAGER token", async () => {
    const service = app.get(CacheManagerService);
    await items.cache.set('greeting', { text: 'hello' }, 30_000);
    expect(await service.get('greeting')).toEqual({ text: 'hello' });

    await service.set('answer', 42);
    expect(await items.cache.get('answer')).toBe(42);
    expect(await items.cache.get('absent')).toBeUndefined();
  });

  it('passes mset and mget of the cache-manager Cache through to the service', async () => {
    const service = app.get(CacheManagerService);
    await items.cache.mset<unknown>([
      { key: 'm1', value: 'one', ttl: 20_000 },
      { key: 'm2', value: { n: 2 }, ttl: 20_000 },
      { key: 'm3', value: [3], ttl: 40_000 },
    ]);
    expect(await service.getMany(['m1', 'm2', 'm3'])).toEqual({ m1: 'one', m2: { n: 2 }, m3: [3] });
    expect(await service.ttl('m1')).toBeLessThanOrEqual(20);
    expect(await service.ttl('m3')).toBeGreaterThan(20);
    expect(await items.cache.mget(['m1', 'absent', 'm3'])).toEqual(['one', undefined, [3]]);
  });

  it('gives entries without a TTL, or with a TTL of 0, the default timeout in seconds', async () => {
    const service = app.get(CacheManagerService);
    await items.cache.set('no-ttl', 1);
    await items.cache.set('zero-ttl', 1, 0);
    // CACHE_DEFAULT_TIMEOUT is 300 s; cache-manager alone would keep both forever.
    for (const key of ['no-ttl', 'zero-ttl']) {
      const ttl = await service.ttl(key);
      expect(ttl).toBeGreaterThan(290);
      expect(ttl).toBeLessThanOrEqual(300);
    }
  });

  if (backend !== 'locmem') {
    it("stores the interceptor's entries under prefix:version: in Redis", async () => {
      await request(app.getHttpServer()).get('/items/7').expect(200);
      await request(app.getHttpServer()).get('/items/featured').expect(200);
      const keys = redis!.cli('--scan', '--pattern', '*').split('\n').sort();
      expect(keys).toEqual(['shop:3:/items/7', 'shop:3:featured-items']);
      expect(JSON.parse(redis!.cli('GET', 'shop:3:/items/7'))).toEqual({ id: '7', handled: 1 });
      const pttl = Number(redis!.cli('PTTL', 'shop:3:featured-items'));
      expect(pttl).toBeGreaterThan(50_000);
      expect(pttl).toBeLessThanOrEqual(60_000);
    });
  }
});
