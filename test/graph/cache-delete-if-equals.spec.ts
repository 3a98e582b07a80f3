import type { INestApplication } from '@nestjs/common';
import { CacheManagerService } from '../../src';
import { RedisTestServer } from '../helpers/redis-server';
import { createCacheApp } from '../helpers/test-app';

/** The compare-and-delete that releases the token lock, on every backend. */
describe('CacheManagerService.deleteIfEquals', () => {
  let redis: RedisTestServer;
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    redis = await RedisTestServer.start();
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await redis.stop();
  });

  async function cacheOn(env: Record<string, string>): Promise<CacheManagerService> {
    const app = await createCacheApp(env);
    apps.push(app);
    return app.get(CacheManagerService);
  }

  describe.each([
    ['redis', () => redis.env()],
    ['locmem', () => ({ CACHE_BACKEND: 'locmem' })],
  ])('on %s', (_name, env) => {
    it('deletes only when the stored value is the expected one', async () => {
      const cache = await cacheOn(env());
      await cache.set('lock', 'owner-a', 30);
      expect(await cache.deleteIfEquals('lock', 'owner-b')).toBe(false);
      expect(await cache.get('lock')).toBe('owner-a');
      expect(await cache.deleteIfEquals('lock', 'owner-a')).toBe(true);
      expect(await cache.exists('lock')).toBe(false);
      expect(await cache.deleteIfEquals('lock', 'owner-a')).toBe(false);
    });

    it('compares structured values as stored', async () => {
      const cache = await cacheOn(env());
      await cache.set('entry', { accessToken: 't1', expiresOn: '2030-01-01T00:00:00.000Z' });
      expect(await cache.deleteIfEquals('entry', { accessToken: 't2', expiresOn: '2030-01-01T00:00:00.000Z' })).toBe(
        false,
      );
      const stored = await cache.get('entry');
      expect(await cache.deleteIfEquals('entry', stored)).toBe(true);
      expect(await cache.get('entry')).toBeUndefined();
    });
  });

  it('removes nothing on the dummy backend', async () => {
    const cache = await cacheOn({ CACHE_BACKEND: 'dummy' });
    await cache.set('lock', 'owner-a');
    expect(await cache.deleteIfEquals('lock', 'owner-a')).toBe(false);
  });

  it('keys it with the prefix and version, like every other call', async () => {
    const cache = await cacheOn({ ...redis.env(), CACHE_KEY_PREFIX: 'app', CACHE_VERSION: '2' });
    await cache.set('lock', 'owner-a', 30);
    expect(redis.cli('GET', 'app:2:lock')).toBe('"owner-a"');
    expect(await cache.deleteIfEquals('lock', 'owner-a')).toBe(true);
    expect(redis.cli('EXISTS', 'app:2:lock')).toBe('0');
  });

  it('falls back to false when Redis is down', async () => {
    const cache = await cacheOn({ ...redis.env(), REDIS_PORT: '1' });
    expect(await cache.deleteIfEquals('lock', 'owner-a')).toBe(false);
  });
});
