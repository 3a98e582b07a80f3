import type { INestApplication } from '@nestjs/common';
import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import { CacheManagerService } from '../../src/service/cache-manager.service';
import { rawClusterClient, RedisClusterTest } from '../helpers/redis-cluster';
import type { RedisTestServer } from '../helpers/redis-server';
import { createCacheApp } from '../helpers/test-app';

/**
 * A slot moves from one master to another while the cache is busy with that master: keys
 * already moved are answered with ASK, and once the slot is handed over, a client whose slot
 * map is behind is answered with MOVED. Reads and writes of several keys leave in one tick,
 * so the client sends them to the old master in one pipeline, the case where ioredis alone
 * hands the redirect back as an error. Every call must still answer as if nothing moved.
 */
let cluster: RedisClusterTest;
/** Sends each command on its own, so it follows ASK and MOVED: it sees where a key really is. */
let raw: Cluster;
beforeAll(async () => {
  cluster = await RedisClusterTest.start({ masters: 3, replicasPerMaster: 0 });
  raw = await rawClusterClient(cluster.seeds);
}, 60_000);
afterAll(async () => {
  raw?.disconnect();
  await cluster?.stop();
});

const stored = (key: string) => `:1:${key}`;

/** The master that serves `key`'s slot now. */
function ownerOf(key: string): RedisTestServer {
  const slot = calculateSlot(stored(key));
  const owner = cluster.masters().find((master) => servesSlot(master, slot));
  if (!owner) throw new Error(`no master serves slot ${slot}`);
  return owner;
}

function servesSlot(master: RedisTestServer, slot: number): boolean {
  const myself = master
    .cli('CLUSTER', 'NODES')
    .split('\n')
    .find((line) => line.includes('myself'))!;
  return myself
    .split(' ')
    .slice(8)
    .some((range) => {
      const [from, to = from] = range.split('-').map(Number);
      return slot >= from && slot <= to;
    });
}

/** A key on `master`, outside `slot`, named `<stem><n>`. */
function otherKeyOn(master: RedisTestServer, slot: number, stem: string): string {
  for (let n = 0; n < 100_000; n++) {
    const key = `${stem}${n}`;
    const keySlot = calculateSlot(stored(key));
    if (keySlot !== slot && servesSlot(master, keySlot)) return key;
  }
  throw new Error(`no key found on port ${master.port}`);
}

describe.each(['redis', 'hybrid'])('CACHE_BACKEND=%s while a slot migrates', (backend) => {
  let app: INestApplication;
  let cache: CacheManagerService;
  const tag = `{moving-${backend}}`;
  // Read once per phase, so a hybrid has none of them in L1 and asks Redis.
  const moved = [`${tag}ask-moved`, `${tag}moved-moved`];
  const stays = [`${tag}ask-stays`, `${tag}moved-stays`, `${tag}ask-stays-alone`];
  const slot = calculateSlot(stored(tag));
  // In a slot of their own, one moves before the other: while apart, Redis refuses a command that names both.
  const splitTag = `{split-${backend}}`;
  const split = [`${splitTag}moved`, `${splitTag}stays`];
  let source: RedisTestServer;
  let target: RedisTestServer;
  let elsewhere: string;

  beforeAll(async () => {
    app = await createCacheApp({ ...cluster.env(), CACHE_BACKEND: backend, REDIS_COMMAND_TIMEOUT_MS: '1000' });
    cache = app.get(CacheManagerService);
    source = ownerOf(tag);
    target = cluster.masters().find((master) => master.port !== source.port)!;
    elsewhere = otherKeyOn(source, slot, `elsewhere-${backend}-`);
    for (const key of [...moved, ...stays, ...split, elsewhere]) await raw.set(stored(key), JSON.stringify(`${key} 0`));
    // The client's slot map and its connection to the source are in place before the move starts.
    expect(await cache.get(elsewhere)).toBe(`${elsewhere} 0`);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('ASK, for keys already moved: mixed reads and writes in one tick answer as if nothing moved', async () => {
    const sourceId = source.cli('CLUSTER', 'MYID');
    const targetId = target.cli('CLUSTER', 'MYID');
    target.cli('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', sourceId);
    source.cli('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', targetId);
    for (const key of moved) source.cli('MIGRATE', target.host, String(target.port), stored(key), '0', '5000');
    // The source no longer holds the moved keys: it sends their callers on.
    expect(source.cli('EXISTS', stored(moved[0]))).toMatch(/^ASK /);
    const errors = cache.getStats().errors;

    const [movedValue, staysValue, elsewhereValue] = await Promise.all([
      cache.get(moved[0]),
      cache.get(stays[0]),
      cache.get(elsewhere),
      cache.set(`${elsewhere}-written`, 'x', 60),
    ]);
    expect([movedValue, staysValue, elsewhereValue]).toEqual([`${moved[0]} 0`, `${stays[0]} 0`, `${elsewhere} 0`]);
    // Reads alone: each is answered by the node that holds its key, not all by the one an ASK named.
    expect(await Promise.all([cache.get(stays[2]), cache.get(moved[0]), cache.get(`${tag}ask-never`)])).toEqual([
      `${stays[2]} 0`,
      `${moved[0]} 0`,
      undefined,
    ]);

    // Writes of a moved key land on the node that holds it now.
    await Promise.all([cache.set(moved[0], 'written', 60), cache.get(elsewhere), cache.set(elsewhere, 'also', 60)]);
    expect(source.cli('EXISTS', stored(moved[0]))).toMatch(/^ASK /);
    expect(await raw.get(stored(moved[0]))).toBe(JSON.stringify('written'));
    expect(await cache.getMany([moved[0], elsewhere])).toEqual({ [moved[0]]: 'written', [elsewhere]: 'also' });
    const [deleted, exists] = await Promise.all([
      cache.delete(moved[0]),
      cache.exists(`${moved[0]}-never`),
      cache.set(elsewhere, 'again', 60),
    ]);
    expect([deleted, exists]).toEqual([true, false]);
    expect(await raw.exists(stored(moved[0]))).toBe(0);
    expect(cache.getStats().errors).toBe(errors);
  });

  it('MOVED, once the slot is handed over and before the client learns it: the same', async () => {
    for (const key of stays) source.cli('MIGRATE', target.host, String(target.port), stored(key), '0', '5000');
    const targetId = target.cli('CLUSTER', 'MYID');
    for (const master of cluster.masters()) master.cli('CLUSTER', 'SETSLOT', String(slot), 'NODE', targetId);
    const errors = cache.getStats().errors;

    const [movedValue, staysValue] = await Promise.all([
      cache.get(moved[1]),
      cache.get(stays[1]),
      cache.set(elsewhere, 'after', 60),
      cache.set(stays[1], 'after', 60),
    ]);
    expect([movedValue, staysValue]).toEqual([`${moved[1]} 0`, `${stays[1]} 0`]);
    expect(target.cli('GET', stored(stays[1]))).toBe(JSON.stringify('after'));
    expect(cache.getStats().errors).toBe(errors);
  });

  it('TRYAGAIN, for keys of one slot split between the nodes: getMany reads each where it is; writes fail alone, never opening the breaker', async () => {
    const splitSlot = calculateSlot(stored(splitTag));
    const from = ownerOf(splitTag);
    const to = cluster.masters().find((master) => master.port !== from.port)!;
    const [fromId, toId] = [from.cli('CLUSTER', 'MYID'), to.cli('CLUSTER', 'MYID')];
    to.cli('CLUSTER', 'SETSLOT', String(splitSlot), 'IMPORTING', fromId);
    from.cli('CLUSTER', 'SETSLOT', String(splitSlot), 'MIGRATING', toId);
    from.cli('MIGRATE', to.host, String(to.port), stored(split[0]), '0', '5000');
    expect(from.cli('MGET', ...split.map(stored))).toMatch(/^TRYAGAIN /);
    const errors = cache.getStats().errors;

    expect(await cache.getMany(split)).toEqual({ [split[0]]: `${split[0]} 0`, [split[1]]: `${split[1]} 0` });
    expect(cache.getStats().errors).toBe(errors);

    // Twice the breaker's threshold of refused batch writes, one after another.
    for (let i = 0; i < 10; i++) {
      expect(await cache.setMany({ [split[0]]: i, [split[1]]: i }, 60)).toBe(false);
      expect(await cache.deleteMany(split)).toBe(false);
    }
    // Counted as errors (and the repair deletes of the failed writes, refused the same way), not as an outage.
    expect(cache.getStats().errors).toBeGreaterThanOrEqual(errors + 20);
    expect(cache.getStats().breakerState).toBe('closed');
    const shortCircuited = cache.getStats().shortCircuited;
    await cache.set(elsewhere, 'still served', 60);
    expect(await raw.get(stored(elsewhere))).toBe(JSON.stringify('still served'));
    expect(cache.getStats().shortCircuited).toBe(shortCircuited);

    from.cli('MIGRATE', to.host, String(to.port), stored(split[1]), '0', '5000');
    for (const master of cluster.masters()) master.cli('CLUSTER', 'SETSLOT', String(splitSlot), 'NODE', toId);
  });
});
