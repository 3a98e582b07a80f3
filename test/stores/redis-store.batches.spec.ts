import calculateSlot from 'cluster-key-slot';
import { parseCacheEnv } from '../../src';
import { createRedisClient } from '../../src/stores/redis-client.factory';
import { RedisStore } from '../../src/stores/redis.store';
import { RedisClusterTest } from '../helpers/redis-cluster';
import { RedisTestServer } from '../helpers/redis-server';
import { CommandLog } from './support/command-log';

const BATCH = 100_000;

/** How the store splits `keys` into commands: by hash slot on a cluster, then into pieces of at most 1000 keys. */
function piecesOf(keys: readonly string[], cluster: boolean): { total: number; singles: number } {
  const groups = new Map<number, number>();
  for (const key of keys) {
    const group = cluster ? calculateSlot(key) : 0;
    groups.set(group, (groups.get(group) ?? 0) + 1);
  }
  let total = 0;
  let singles = 0;
  for (const size of groups.values()) {
    total += Math.ceil(size / MAX_KEYS_PER_COMMAND);
    if (size % MAX_KEYS_PER_COMMAND === 1) singles++;
  }
  return { total, singles };
}
const MAX_KEYS_PER_COMMAND = 1000;

interface Topology {
  env: Record<string, string>;
  masters: RedisTestServer[];
  /** Keys of the batch: on a cluster, half share one hash slot, the case where grouping by slot alone would not split them. */
  keys: string[];
  stop(): Promise<void>;
}

async function standalone(): Promise<Topology> {
  const server = await RedisTestServer.start();
  return {
    env: server.env(),
    masters: [server],
    keys: Array.from({ length: BATCH }, (_, i) => `batch:${i}`),
    stop: () => server.stop(),
  };
}

async function cluster(): Promise<Topology> {
  const nodes = await RedisClusterTest.start({ masters: 3, replicasPerMaster: 0 });
  return {
    env: nodes.env(),
    masters: nodes.masters(),
    keys: Array.from({ length: BATCH }, (_, i) => (i % 2 === 0 ? `{hot}:${i}` : `spread:${i}`)),
    stop: () => nodes.stop(),
  };
}

/**
 * The store alone, on real Redis: a huge batch must come back right, and reach Redis as
 * commands of at most 1000 keys, so no single command holds Redis for long (one MGET of
 * 100k keys is one uninterruptible command; other clients wait for all of it).
 */
describe.each([
  ['standalone', standalone],
  ['cluster', cluster],
] as const)('RedisStore batches of %s keys on %s', (_name, start) => {
  let topology: Topology;
  let store: RedisStore;
  let logs: CommandLog[];

  beforeAll(async () => {
    topology = await start();
    const options = parseCacheEnv(topology.env).redis;
    store = new RedisStore(createRedisClient(options), options);
    await store.connect();
    logs = await Promise.all(topology.masters.map((server) => CommandLog.start(server)));
  }, 60_000);

  afterAll(async () => {
    await Promise.all(logs?.map((log) => log.stop()) ?? []);
    await store?.close();
    await topology?.stop();
  });

  beforeEach(() => logs.forEach((log) => log.clear()));

  async function executed(): Promise<{
    largest: (name: string) => number;
    keysOf: (name: string) => number;
    sentByClient: (name: string) => number;
  }> {
    await Promise.all(logs.map((log) => log.settle()));
    const commands = logs.flatMap((log) => log.commands);
    return {
      largest: (name) => commands.filter((c) => c.name === name).reduce((most, c) => Math.max(most, c.keys), 0),
      keysOf: (name) => commands.filter((c) => c.name === name).reduce((sum, c) => sum + c.keys, 0),
      sentByClient: (name) => commands.filter((c) => c.name === name && !c.byScript).length,
    };
  }

  it('setMany, getMany and deleteMany of 100k keys return correct results, in commands of at most 1000 keys', async () => {
    const { keys } = topology;
    await store.setMany(
      keys.map((key, i) => [key, `v${i}`]),
      null,
    );
    // Misses spread through the batch must keep every other value in its place.
    const asked = keys.flatMap((key, i) => (i % 10_000 === 0 ? [`absent:${i}`, key] : [key]));
    const expected = keys.flatMap((_key, i) => (i % 10_000 === 0 ? [undefined, `v${i}`] : [`v${i}`]));
    expect(await store.getMany(asked)).toEqual(expected);

    expect(await store.deleteMany([...keys, 'absent:x'])).toBe(BATCH);
    expect((await store.getMany(keys)).every((value) => value === undefined)).toBe(true);

    const log = await executed();
    expect(log.keysOf('mset')).toBe(BATCH);
    expect(log.keysOf('mget')).toBe(asked.length + BATCH);
    expect(log.keysOf('del') + log.keysOf('unlink')).toBe(BATCH + 1);
    for (const name of ['mset', 'mget', 'del', 'unlink'])
      expect(log.largest(name)).toBeLessThanOrEqual(MAX_KEYS_PER_COMMAND);
  }, 60_000);

  it('setMany of 100k keys with an expiry stores every value with it', async () => {
    const { keys } = topology;
    await store.setMany(
      keys.map((key, i) => [key, `t${i}`]),
      60_000,
    );
    const values = await store.getMany(keys);
    expect(values).toEqual(keys.map((_key, i) => `t${i}`));
    for (const key of [keys[0], keys[1], keys[BATCH - 1]]) {
      const ttl = await store.ttlMs(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    expect(await store.deleteMany(keys)).toBe(BATCH);
    const log = await executed();
    for (const name of ['mget', 'del', 'unlink', 'script'])
      expect(log.largest(name)).toBeLessThanOrEqual(MAX_KEYS_PER_COMMAND);
    // One command per piece (a slot group of at most 1000 keys): a script, or a plain SET PX
    // where the piece is a single key; never a SET PX per key of a larger piece.
    const pieces = piecesOf(keys, topology.masters.length > 1);
    expect(log.sentByClient('script') + log.sentByClient('set')).toBe(pieces.total);
    expect(log.sentByClient('set')).toBe(pieces.singles);
    expect(log.keysOf('script') + log.sentByClient('set')).toBe(BATCH);
  }, 60_000);

  it('a batch of up to 1000 keys is still one command per slot group', async () => {
    const keys = Array.from({ length: MAX_KEYS_PER_COMMAND }, (_, i) => `{small}:${i}`);
    await store.setMany(
      keys.map((key) => [key, 'x']),
      null,
    );
    expect(await store.getMany(keys)).toEqual(keys.map(() => 'x'));
    expect(await store.deleteMany(keys)).toBe(keys.length);
    const log = await executed();
    // One hash tag, one slot: exactly one MSET, one MGET and one DEL of all 1000.
    expect([log.largest('mset'), log.largest('mget'), log.largest('del')]).toEqual([1000, 1000, 1000]);
  });

  it('a batch of up to 1000 keys with an expiry is one script call per slot, with every value and expiry', async () => {
    const keys = Array.from({ length: MAX_KEYS_PER_COMMAND }, (_, i) => `{timed}:${i}`);
    await store.setMany(
      keys.map((key, i) => [key, `e${i}`]),
      30_000,
    );
    expect(await store.getMany(keys)).toEqual(keys.map((_key, i) => `e${i}`));
    for (const key of [keys[0], keys[999]]) expect(await store.ttlMs(key)).toBeGreaterThan(0);
    expect(await store.ttlMs(keys[500])).toBeLessThanOrEqual(30_000);
    const log = await executed();
    expect(log.sentByClient('set')).toBe(0);
    expect(log.largest('script')).toBe(1000);
    expect(await store.deleteMany(keys)).toBe(keys.length);
  });
});
