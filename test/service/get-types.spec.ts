import type { INestApplication } from '@nestjs/common';
import { CacheManagerService } from '../../src/service/cache-manager.service';
import { createCacheApp } from '../helpers/test-app';

/**
 * `get`'s types, checked by the compiler (npm test runs tsc over the tests first) and at
 * run time: with a default, the result is the default's type, never `T | undefined`.
 */
describe('CacheManagerService.get types', () => {
  let app: INestApplication;
  let cache: CacheManagerService;

  beforeAll(async () => {
    app = await createCacheApp({ CACHE_BACKEND: 'locmem' });
    cache = app.get(CacheManagerService);
  });

  afterAll(() => app.close());

  it('with a default, a miss is that default and the result is typed as it', async () => {
    const visits: number = await cache.get('visits', 0);
    expect(visits).toBe(0);
    await cache.set('visits', 41);
    const counted: number = await cache.get('visits', 0);
    expect(counted + 1).toBe(42);
    const names: string[] = await cache.get<string[]>('names', []);
    expect(names).toEqual([]);
  });

  it('without a default, the result may be undefined', async () => {
    // @ts-expect-error a miss gives undefined, so the result is not a plain number
    const visits: number = await cache.get<number>('never-set');
    expect(visits).toBeUndefined();
    const maybe: number | undefined = await cache.get<number>('never-set');
    expect(maybe).toBeUndefined();
  });
});
