import { execFileSync } from 'node:child_process';
import calculateSlot from 'cluster-key-slot';
import { freePort } from '../helpers/free-port';
import { RedisClusterTest } from '../helpers/redis-cluster';
import { RedisTestServer } from '../helpers/redis-server';
import { until } from '../helpers/until';
import {
  BOUND_MS,
  ClusterTrackingRig,
  expectRecoveredOnto,
  keysOnEveryMaster,
  trackingConnectionsOn,
} from './support/cluster-tracking-rig';

/**
 * Server-assisted invalidation on a real 3-master Cluster: every master tracked, each by its
 * own connections; a write by a plain client (not this module) on any master is seen; a master
 * that joins by resharding is tracked, and its writes are never served stale past the bound.
 */
let cluster: RedisClusterTest;
let joined: RedisTestServer | undefined;
let rig: ClusterTrackingRig | undefined;
beforeAll(async () => {
  cluster = await RedisClusterTest.start({ masters: 3, replicasPerMaster: 0 });
}, 60_000);
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});
afterAll(async () => {
  await cluster?.stop();
  await joined?.stop();
});

it('auto: tracking is in force on every master, and getStats and getBackendInfo say so', async () => {
  rig = await ClusterTrackingRig.start(cluster, { CACHE_L1_INVALIDATION: 'auto' });
  expect(rig.cache.getStats().tiers!.bus).toMatchObject({
    mode: 'tracking',
    live: true,
    modeReason: expect.stringContaining('CLIENT TRACKING'),
  });
  expect(rig.cache.getBackendInfo()).toMatchObject({ l1Invalidation: 'tracking' });
  // Two connections per master: a tracking one and the subscriber it reports to.
  for (const master of cluster.masters()) {
    expect(trackingConnectionsOn(master)).toHaveLength(1);
  }
});

it('a write by another program on any master is seen here within the bound', async () => {
  rig = await ClusterTrackingRig.start(cluster);
  const keys = keysOnEveryMaster(rig.foreign, 'spread', 4);
  expect(keys).toHaveLength(12);
  await rig.hold(keys, (key) => `${key} old`);
  const delays = await rig.foreignWriteDelays(keys, (key) => `${key} new`);
  expect(Math.max(...delays)).toBeLessThan(BOUND_MS);
  // And reported, not just found after a miss: the next read of each is an L1 miss that reads the new value.
  expect(rig.cache.getStats().tiers!.bus.tracking!.keys).toBeGreaterThanOrEqual(keys.length);
});

it('a master that joins by resharding is tracked; its writes are never served stale past the bound', async () => {
  rig = await ClusterTrackingRig.start(cluster);
  const [source] = cluster.masters();
  const sourceId = source.cli('CLUSTER', 'MYID');
  // Keys in slots of the source master, held in L1 before the slots move.
  const keys = keysOnEveryMaster(rig.foreign, 'moving', 3).filter(
    (key) => rig!.foreign.slots[calculateSlot(`:1:${key}`)][0] === `${source.host}:${source.port}`,
  );
  expect(keys).toHaveLength(3);
  await rig.hold(keys, (key) => `${key} old`);

  joined = await RedisTestServer.start({
    args: async () => [
      ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '1000'],
      ...['--cluster-port', String(await freePort())],
    ],
  });
  execFileSync(
    'redis-cli',
    ['--cluster', 'add-node', `${joined.host}:${joined.port}`, `${source.host}:${source.port}`],
    {
      stdio: 'ignore',
      timeout: 30_000,
    },
  );
  await until(() => /cluster_state:ok/.test(joined!.cli('CLUSTER', 'INFO')), 'the new node to see the cluster', 15_000);
  // A master with no slot yet is tracked too: it will hold keys (reached by ASK) before the slot map shows it.
  await until(() => trackingConnectionsOn(joined!).length === 1, 'the new, empty master to be tracked', 15_000);
  const joinedId = joined.cli('CLUSTER', 'MYID');
  const slots = [...new Set(keys.map((key) => calculateSlot(`:1:${key}`)))];
  // Move exactly the slots of the held keys to the new node.
  for (const slot of slots) {
    joined.cli('CLUSTER', 'SETSLOT', String(slot), 'IMPORTING', sourceId);
    source.cli('CLUSTER', 'SETSLOT', String(slot), 'MIGRATING', joinedId);
    for (const key of keys.filter((k) => calculateSlot(`:1:${k}`) === slot)) {
      source.cli('MIGRATE', joined.host, String(joined.port), `:1:${key}`, '0', '5000');
    }
  }
  // Half way (keys moved, slots still the source's), a moved key cannot be read: ioredis 6 with
  // auto-pipelining answers the ASK redirect with its error (docs/scale-out.md). A miss, not a stale value.
  const [elsewhere] = keysOnEveryMaster(rig.foreign, 'still', 3).filter(
    (key) => !slots.includes(calculateSlot(`:1:${key}`)),
  );
  await rig.foreign.set(`:1:${elsewhere}`, JSON.stringify('here'));
  // The source reported the MIGRATE's delete: L1 no longer holds the key.
  await until(async () => (await rig!.cache.get(keys[0])) === undefined, 'the moved key to leave L1', BOUND_MS);
  const errors = rig.cache.getStats().errors;
  expect(await rig.cache.get(keys[0])).toBeUndefined();
  expect(rig.cache.getStats().errors).toBe(errors + 1);
  expect(await rig.cache.get(elsewhere)).toBe('here');
  for (const slot of slots) {
    for (const node of [joined, ...cluster.masters()]) node.cli('CLUSTER', 'SETSLOT', String(slot), 'NODE', joinedId);
  }

  const changedAt = new Map<string, number>();
  const reads = rig.readsPastTheBound(keys, (key) => changedAt.get(key));
  for (const key of keys) {
    await rig.foreign.set(`:1:${key}`, JSON.stringify(`${key} new`), 'KEEPTTL');
    changedAt.set(key, Date.now());
  }
  await expectRecoveredOnto(rig, keys, reads, joined);
});
