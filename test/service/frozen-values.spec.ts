import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Cache } from 'cache-manager';
import { Cacheable, CACHE_MANAGER, CacheManagerService, type DeepReadonly, IdeaGraphCacheModule } from '../../src';
import { RedisTestServer } from '../helpers/redis-server';
import { envOnlyConfig } from '../helpers/test-app';

interface Profile {
  name: string;
  roles: string[];
  address: { city: string; lines: string[] };
}

const profile = (): Profile => ({
  name: 'Ada',
  roles: ['admin'],
  address: { city: 'London', lines: ['12 St James Sq'] },
});

@Injectable()
class ProfileService {
  loads = 0;

  @Cacheable({ key: 'profile:{0}', timeout: 60 })
  async load(_id: number): Promise<Profile> {
    this.loads++;
    return profile();
  }
}

async function appWith(env: Record<string, string>): Promise<INestApplication> {
  @Module({ providers: [ProfileService] })
  class ProfileModule {}
  const moduleRef = await Test.createTestingModule({
    imports: [envOnlyConfig(env), IdeaGraphCacheModule.forRootAsync({ isGlobal: true }), ProfileModule],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

/** Every way a caller could change what it got; each must throw (the spec files compile to strict mode). */
function attempts(value: Profile): [string, () => unknown][] {
  return [
    ['assign a field', () => (value.name = 'Grace')],
    ['add a field', () => ((value as unknown as Record<string, unknown>).extra = 1)],
    ['delete a field', () => delete (value as Partial<Profile>).name],
    ['push to a nested array', () => value.roles.push('root')],
    ['replace an item of a nested array', () => (value.roles[0] = 'root')],
    ['change a nested object', () => (value.address.city = 'Paris')],
    ['change an array two levels down', () => value.address.lines.splice(0, 1)],
  ];
}

function expectUnchangeable(value: Profile | undefined): void {
  expect(value).toEqual(profile());
  for (const [what, change] of attempts(value!)) {
    let thrown: unknown;
    try {
      change();
    } catch (error) {
      thrown = error;
    }
    expect([what, thrown]).toEqual([what, expect.any(TypeError)]);
  }
  expect(value).toEqual(profile());
}

describe.each(['locmem', 'hybrid', 'redis'] as const)('CACHE_L1_VALUES=frozen on %s', (backend) => {
  let redis: RedisTestServer | undefined;
  let app: INestApplication;
  let cache: CacheManagerService;

  beforeAll(async () => {
    redis = backend === 'locmem' ? undefined : await RedisTestServer.start();
  });
  beforeEach(async () => {
    app = await appWith({
      ...(redis ? redis.env() : {}),
      CACHE_BACKEND: backend,
      CACHE_L1_VALUES: 'frozen',
      REDIS_COMMAND_TIMEOUT_MS: '2000',
    });
    cache = app.get(CacheManagerService);
    const deadline = Date.now() + 5000;
    while (backend === 'hybrid' && !cache.getStats().tiers!.bus.live && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
  });
  afterEach(async () => {
    await app.close();
    redis?.cli('FLUSHALL');
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('get: the value cannot be changed, and every read from memory hands out the same one', async () => {
    const written = profile();
    await cache.set('p', written, 60);
    // The caller's own object stays its own: writing never freezes it.
    written.name = 'still mine';
    const first = await cache.get<Profile>('p');
    expectUnchangeable(first);
    const second = await cache.get<DeepReadonly<Profile>>('p');
    expect(second).toBe(first);
    expect(Object.isFrozen(second!.address.lines)).toBe(true);
  });

  it('getMany: the values cannot be changed', async () => {
    await cache.setMany({ a: profile(), b: profile() }, 60);
    const found = await cache.getMany<Profile>(['a', 'b']);
    expectUnchangeable(found.a);
    expectUnchangeable(found.b);
    expect((await cache.getMany<Profile>(['a'])).a).toEqual(profile());
  });

  it('getOrSet: the produced value and the cached one cannot be changed', async () => {
    const produced = await cache.getOrSet('g', async () => profile(), 60);
    expectUnchangeable(produced);
    const cached = await cache.getOrSet('g', async () => ({ ...profile(), name: 'not called' }), 60);
    expectUnchangeable(cached);
  });

  it('getOrSetMany: the values cannot be changed', async () => {
    const produced = await cache.getOrSetMany<Profile>(
      ['m1', 'm2'],
      async (keys) => Object.fromEntries(keys.map((key) => [key, profile()])),
      60,
    );
    expectUnchangeable(produced.m1);
    expectUnchangeable((await cache.getOrSetMany<Profile>(['m1'], async () => ({}), 60)).m1);
  });

  it('@Cacheable: the result cannot be changed, on a miss and on a hit', async () => {
    const service = app.get(ProfileService);
    expectUnchangeable(await service.load(1));
    expectUnchangeable(await service.load(1));
    expect(service.loads).toBe(1);
  });

  it('CACHE_MANAGER: the value cannot be changed', async () => {
    const manager = app.get<Cache>(CACHE_MANAGER);
    await manager.set('cm', profile(), 60_000);
    expectUnchangeable((await manager.get<Profile>('cm')) ?? undefined);
    const many = await manager.mget<Profile>(['cm']);
    expectUnchangeable(many[0] ?? undefined);
  });

  it('values a freeze cannot protect (a Date, a Map) are handed out as copies', async () => {
    await cache.set('rich', { at: new Date(0), tags: new Map([['a', 1]]) }, 60);
    const first = await cache.get<{ at: Date; tags: Map<string, number> }>('rich');
    first!.at.setTime(1000);
    first!.tags.set('b', 2);
    const second = await cache.get<{ at: Date; tags: Map<string, number> }>('rich');
    expect(second).toEqual({ at: new Date(0), tags: new Map([['a', 1]]) });
    expect(Object.isFrozen(second)).toBe(false);
  });
});

describe('CACHE_L1_VALUES=copy, the default', () => {
  it('hands out a fresh copy on every read, which the caller may change', async () => {
    const app = await appWith({ CACHE_BACKEND: 'locmem' });
    try {
      const cache = app.get(CacheManagerService);
      await cache.set('p', profile(), 60);
      const first = await cache.get<Profile>('p');
      first!.roles.push('root');
      const second = await cache.get<Profile>('p');
      expect(second).toEqual(profile());
      expect(second).not.toBe(first);
      expect(Object.isFrozen(second)).toBe(false);
    } finally {
      await app.close();
    }
  });
});
