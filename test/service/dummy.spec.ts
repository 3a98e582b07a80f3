import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { CacheKeyError, CacheManagerService, CacheValueError } from '../../src';
import { createCacheApp } from '../helpers/test-app';

describe('dummy backend: stores nothing, like Django DummyCache', () => {
  let app: INestApplication;
  let cache: CacheManagerService;

  beforeAll(async () => {
    app = await createCacheApp({ CACHE_BACKEND: 'dummy' });
    cache = app.get(CacheManagerService);
  });

  afterAll(async () => {
    await app.close();
  });

  it('writes report success and store nothing', async () => {
    expect(await cache.set('k', 'v')).toBe(true);
    expect(await cache.add('k', 'v')).toBe(true);
    expect(await cache.add('k', 'v')).toBe(true);
    expect(await cache.setMany({ a: 1, b: 2 })).toBe(true);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.get('k', 'default')).toBe('default');
    expect(await cache.getMany(['k', 'a', 'b'])).toStrictEqual({});
  });

  it('reads miss: exists false, incr/decr null, ttl undefined, touch and delete false', async () => {
    await cache.set('n', 1);
    expect(await cache.exists('n')).toBe(false);
    expect(await cache.incr('n')).toBeNull();
    expect(await cache.decr('n', 2)).toBeNull();
    expect(await cache.ttl('n')).toBeUndefined();
    expect(await cache.touch('n', 10)).toBe(false);
    expect(await cache.delete('n')).toBe(false);
    expect(await cache.deleteMany(['n'])).toBe(true);
    expect(await cache.clear()).toBe(true);
  });

  it('getOrSet calls the factory every time and returns its value', async () => {
    const factory = jest.fn(async () => ({ n: 1 }));
    expect(await cache.getOrSet('g', factory)).toStrictEqual({ n: 1 });
    expect(await cache.getOrSet('g', factory)).toStrictEqual({ n: 1 });
    expect(factory).toHaveBeenCalledTimes(2);
  });

  it('still rejects caller bugs: bad keys and unstorable values', async () => {
    await expect(cache.set('', 1)).rejects.toThrow(CacheKeyError);
    await expect(cache.get(42 as unknown as string)).rejects.toThrow(CacheKeyError);
    await expect(cache.set('k', () => 1)).rejects.toThrow(CacheValueError);
    await expect(cache.set('k', 1, Number.NaN)).rejects.toThrow(CacheValueError);
  });

  it('reports itself as dummy, and /health/cache answers 200', async () => {
    expect(cache.getBackendInfo()).toMatchObject({
      backend: 'dummy',
      backendClass: 'DummyStore',
      version: 1,
      keyPrefix: '',
    });
    const response = await request(app.getHttpServer()).get('/health/cache').expect(200);
    expect(response.body).toMatchObject({ status: 'up', backend: 'dummy' });
  });
});
