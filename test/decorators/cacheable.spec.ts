import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Cacheable, CacheEvict, CacheManagerService, IdeaGraphCacheModule } from '../../src';
import { fleetLockKey } from '../../src/get-or-set/lock-key';
import { RedisTestServer } from '../helpers/redis-server';
import { envOnlyConfig } from '../helpers/test-app';

interface Item {
  id: number;
  name: string;
}

/** A plain service: no cache injected, no constructor change. */
@Injectable()
class CatalogService {
  loads = 0;
  slowLoads = 0;
  blockedLoads = 0;

  @Cacheable({ key: 'item:{0}', timeout: 60, tags: ['items', 'item:{0}'] })
  async item(id: number): Promise<Item> {
    this.loads++;
    await new Promise((resolve) => setTimeout(resolve, 20));
    return { id, name: `item ${id}` };
  }

  /** Calls the cached method from inside the class. */
  async itemName(id: number): Promise<string> {
    return (await this.item(id)).name;
  }

  @Cacheable()
  async search(query: { text: string; page?: number }, limit: number): Promise<string[]> {
    this.loads++;
    return [`${query.text}:${query.page ?? 1}:${limit}`];
  }

  @Cacheable()
  async withCallback(callback: () => void): Promise<number> {
    callback();
    return 1;
  }

  @CacheEvict({ keys: ['item:{0}'] })
  async rename(_id: number, _name: string): Promise<string> {
    return 'renamed';
  }

  @CacheEvict({ tags: ['items'] })
  async reindex(): Promise<number> {
    return 42;
  }

  @Cacheable({ key: (id: number) => `blocked:${id}`, hardTimeoutMs: 200 })
  async blocked(id: number): Promise<number> {
    this.blockedLoads++;
    return id * 3;
  }

  @Cacheable({ key: (id: number) => `slow:${id}`, hardTimeoutMs: 50 })
  async slow(id: number): Promise<number> {
    this.slowLoads++;
    await new Promise((resolve) => setTimeout(resolve, 200));
    return id * 2;
  }
}

async function appWith(
  env: Record<string, string>,
): Promise<{ app: INestApplication; catalog: CatalogService; cache: CacheManagerService }> {
  @Module({ providers: [CatalogService] })
  class CatalogModule {}
  const moduleRef = await Test.createTestingModule({
    imports: [envOnlyConfig(env), IdeaGraphCacheModule.forRootAsync({ isGlobal: true }), CatalogModule],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return { app, catalog: app.get(CatalogService), cache: app.get(CacheManagerService) };
}

describe.each(['locmem', 'redis'] as const)('@Cacheable and @CacheEvict on %s', (backend) => {
  let redis: RedisTestServer | undefined;
  let app: INestApplication;
  let catalog: CatalogService;
  let cache: CacheManagerService;

  beforeAll(async () => {
    redis = backend === 'redis' ? await RedisTestServer.start() : undefined;
  });
  beforeEach(async () => {
    ({ app, catalog, cache } = await appWith(redis ? redis.env() : { CACHE_BACKEND: 'locmem' }));
  });
  afterEach(async () => {
    await app.close();
    redis?.cli('FLUSHALL');
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('100 concurrent calls run the method once, and the result is cached under its key', async () => {
    const results = await Promise.all(Array.from({ length: 100 }, () => catalog.item(7)));
    expect(results.every((item) => item.name === 'item 7')).toBe(true);
    expect(catalog.loads).toBe(1);
    expect(await cache.get('item:7')).toEqual({ id: 7, name: 'item 7' });
    // Each caller got its own copy.
    results[0].name = 'changed';
    expect((await catalog.item(7)).name).toBe('item 7');
  });

  it('calls from inside the class (this.item) are cached too', async () => {
    expect(await catalog.itemName(3)).toBe('item 3');
    expect(await catalog.itemName(3)).toBe('item 3');
    expect(await catalog.item(3)).toEqual({ id: 3, name: 'item 3' });
    expect(catalog.loads).toBe(1);
  });

  it('keys follow the arguments; without a key, class, method and arguments make one, in a stable order', async () => {
    await catalog.item(1);
    await catalog.item(2);
    expect(catalog.loads).toBe(2);
    await catalog.search({ text: 'a', page: 2 }, 10);
    await catalog.search({ page: 2, text: 'a' }, 10);
    await catalog.search({ text: 'a', page: 2 }, 20);
    expect(catalog.loads).toBe(4);
    expect(await cache.get('CatalogService.search({"page":2,"text":"a"},10)')).toEqual(['a:2:10']);
  });

  it('an argument that cannot be part of a key runs the method without the cache: counted, never a silent collision', async () => {
    let calls = 0;
    expect(await catalog.withCallback(() => calls++)).toBe(1);
    expect(await catalog.withCallback(() => calls++)).toBe(1);
    expect(calls).toBe(2);
    expect(cache.getStats().keylessCalls).toBe(2);
  });

  it('@CacheEvict removes the keys after the method succeeds; by tags, every tagged result', async () => {
    await catalog.item(1);
    await catalog.item(2);
    expect(await catalog.rename(1, 'x')).toBe('renamed');
    expect(await cache.get('item:1')).toBeUndefined();
    expect(await cache.get('item:2')).toEqual({ id: 2, name: 'item 2' });
    expect(await catalog.reindex()).toBe(42);
    expect(await cache.get('item:2')).toBeUndefined();
    await catalog.item(2);
    expect(catalog.loads).toBe(3);
  });

  it('a call whose hard timeout passes before its method could start (the fleet lock held elsewhere) runs it, and caches the result', async () => {
    // Another process holds the key's fleet lock, and keeps it past this call's bound.
    if (redis) redis.cli('SET', `:1:${fleetLockKey('blocked:5')}`, '"elsewhere"', 'PX', '10000');
    expect(await catalog.blocked(5)).toBe(15);
    expect(await catalog.blocked(5)).toBe(15);
    expect(catalog.blockedLoads).toBe(1);
  });

  it('a slow method is waited for, not cut off by the hard timeout, and its result is cached', async () => {
    expect(await catalog.slow(4)).toBe(8);
    expect(await catalog.slow(4)).toBe(8);
    expect(catalog.slowLoads).toBe(1);
  });
});

describe('@Cacheable when Redis is down', () => {
  it('the method simply runs: its results stay correct, and nothing throws', async () => {
    const redis = await RedisTestServer.start();
    const { app, catalog } = await appWith({ ...redis.env(), REDIS_COMMAND_TIMEOUT_MS: '200' });
    try {
      expect(await catalog.item(1)).toEqual({ id: 1, name: 'item 1' });
      await redis.kill();
      for (const id of [1, 2, 3]) expect(await catalog.item(id)).toEqual({ id, name: `item ${id}` });
      expect(await catalog.rename(2, 'y')).toBe('renamed');
      expect(await catalog.reindex()).toBe(42);
      expect(catalog.loads).toBeGreaterThanOrEqual(3);
    } finally {
      await app.close();
      await redis.stop();
    }
  });

  it('a class never registered with an app just runs its methods', async () => {
    const plain = new CatalogService();
    expect(await plain.item(5)).toEqual({ id: 5, name: 'item 5' });
  });
});
