import type { INestApplication } from '@nestjs/common';
import { CacheManagerService } from '../../src';
import { RedisClusterTest } from '../helpers/redis-cluster';
import { RedisSentinelTest } from '../helpers/redis-sentinel';
import { RedisTestServer } from '../helpers/redis-server';
import { createCacheApp } from '../helpers/test-app';

/**
 * Writes called one after the other, without awaiting, reach Redis in that order: the last
 * write of a key wins. Single-key calls leave on ioredis's auto-pipeline (on the next
 * setImmediate); a batch sent as a pipeline of its own was written to the socket at once,
 * so it overtook the single-key calls made before it.
 */
interface Topology {
  env: Record<string, string>;
  stop(): Promise<void>;
}

async function standalone(): Promise<Topology> {
  const server = await RedisTestServer.start();
  return { env: server.env(), stop: () => server.stop() };
}

async function cluster(): Promise<Topology> {
  const nodes = await RedisClusterTest.start({ masters: 3, replicasPerMaster: 0 });
  return { env: nodes.env(), stop: () => nodes.stop() };
}

async function sentinel(): Promise<Topology> {
  const group = await RedisSentinelTest.start({ sentinels: 1 });
  return { env: group.env(), stop: () => group.stop() };
}

/** A batch of more than one command: `key` sits in its second piece. */
function bigBatch(key: string, value: unknown): Record<string, unknown> {
  const entries: Record<string, unknown> = {};
  for (let i = 0; i < 1500; i++) entries[`${key}:filler:${i}`] = i;
  entries[key] = value;
  return entries;
}

type Mix = [
  name: string,
  prepare: (cache: CacheManagerService, key: string) => Promise<unknown>,
  mix: (cache: CacheManagerService, key: string) => Promise<unknown>[],
  expected: unknown,
  answers: unknown[] | null,
];

const none = async () => undefined;
const present = (cache: CacheManagerService, key: string) => cache.set(key, 'before', 60);

const mixes: Mix[] = [
  [
    'set, then setMany',
    none,
    (c, k) => [c.set(k, 'first', 60), c.setMany({ [k]: 'second', [`${k}:x`]: 1 }, 60)],
    'second',
    null,
  ],
  [
    'set, then setMany without a timeout',
    none,
    (c, k) => [c.set(k, 'first', 60), c.setMany({ [k]: 'second', [`${k}:x`]: 1 }, null)],
    'second',
    null,
  ],
  [
    'delete, then setMany',
    present,
    (c, k) => [c.delete(k), c.setMany({ [k]: 'third', [`${k}:x`]: 1 }, 60)],
    'third',
    null,
  ],
  [
    'setMany, then set',
    none,
    (c, k) => [c.setMany({ [k]: 'second', [`${k}:x`]: 1 }, 60), c.set(k, 'third', 60)],
    'third',
    null,
  ],
  [
    'setMany, then delete',
    none,
    (c, k) => [c.setMany({ [k]: 'second', [`${k}:x`]: 1 }, 60), c.delete(k)],
    undefined,
    null,
  ],
  ['deleteMany, then set', present, (c, k) => [c.deleteMany([k, `${k}:x`]), c.set(k, 'after', 60)], 'after', null],
  ['set, then deleteMany', none, (c, k) => [c.set(k, 'first', 60), c.deleteMany([k, `${k}:x`])], undefined, null],
  [
    'deleteMany, then add',
    present,
    (c, k) => [c.deleteMany([k, `${k}:x`]), c.add(k, 'added', 60)],
    'added',
    [true, true],
  ],
  [
    'setMany, then add',
    none,
    (c, k) => [c.setMany({ [k]: 'many', [`${k}:x`]: 1 }, 60), c.add(k, 'added', 60)],
    'many',
    [true, false],
  ],
  ['setMany, then incr', none, (c, k) => [c.setMany({ [k]: 1, [`${k}:x`]: 1 }, 60), c.incr(k, 2)], 3, [true, 3]],
  [
    'set, then a setMany of 1501 keys',
    none,
    (c, k) => [c.set(k, 'first', 60), c.setMany(bigBatch(k, 'second'), 60)],
    'second',
    null,
  ],
  [
    'a setMany of 1501 keys, then set',
    none,
    (c, k) => [c.setMany(bigBatch(k, 'second'), 60), c.set(k, 'third', 60)],
    'third',
    null,
  ],
  [
    'a setMany of 1501 keys without a timeout, then set',
    none,
    (c, k) => [c.setMany(bigBatch(k, 'second'), null), c.set(k, 'third', 60)],
    'third',
    null,
  ],
  [
    'a deleteMany of 1501 keys, then set',
    present,
    (c, k) => [c.deleteMany(Object.keys(bigBatch(k, 0))), c.set(k, 'after', 60)],
    'after',
    null,
  ],
  [
    'set, then a deleteMany of 1501 keys',
    none,
    (c, k) => [c.set(k, 'first', 60), c.deleteMany(Object.keys(bigBatch(k, 0)))],
    undefined,
    null,
  ],
];

/** Each mix runs this many times, on fresh keys. */
const REPEATS = 5;

describe.each([
  ['standalone', standalone],
  ['a 3-master cluster', cluster],
  ['Sentinel', sentinel],
] as const)('write order on %s', (_topologyName, start) => {
  let topology: Topology;
  const apps: INestApplication[] = [];
  /** A redis-backend app that reads Redis itself, for what the other processes see. */
  let observer: CacheManagerService;

  async function cacheOn(backend: 'redis' | 'hybrid'): Promise<CacheManagerService> {
    const app = await createCacheApp({ ...topology.env, CACHE_BACKEND: backend, REDIS_COMMAND_TIMEOUT_MS: '2000' });
    apps.push(app);
    return app.get(CacheManagerService);
  }

  beforeAll(async () => {
    topology = await start();
    observer = await cacheOn('redis');
  }, 60_000);

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await topology?.stop();
  });

  describe.each(['redis', 'hybrid'] as const)('on the %s backend', (backend) => {
    let cache: CacheManagerService;
    beforeAll(async () => {
      cache = await cacheOn(backend);
    });

    it.each(mixes)('%s: the last write wins', async (name, prepare, mix, expected, answers) => {
      for (let repeat = 0; repeat < REPEATS; repeat++) {
        const key = `${backend}:${name.replace(/\W+/g, '-')}:${repeat}`;
        await prepare(cache, key);
        // One tick: nothing awaited between the calls.
        const replies = await Promise.all(mix(cache, key));
        expect(replies).toEqual(answers ?? replies.map(() => true));
        // What Redis holds, and what the writer reads of its own writes.
        expect(await observer.get(key)).toEqual(expected);
        expect(await cache.get(key)).toEqual(expected);
      }
    });
  });
});
