import calculateSlot from 'cluster-key-slot';
import { RedisClusterTest } from '../helpers/redis-cluster';
import type { RedisTestServer } from '../helpers/redis-server';
import { ClusterTrackingRig, expectRecoveredOnto, keysOnEveryMaster } from './support/cluster-tracking-rig';

/**
 * A cluster master fails over while a hybrid process holds its keys in L1 and another
 * program writes them: no read past the bound returns a value older than the last
 * acknowledged write, and the promoted replica is tracked and proven. Both ways a master
 * goes: it dies (the replica takes over after cluster-node-timeout), and a manual
 * CLUSTER FAILOVER (the old master lives on as a replica, its connections open).
 */
let cluster: RedisClusterTest;
let rig: ClusterTrackingRig | undefined;
beforeEach(async () => {
  cluster = await RedisClusterTest.start({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
}, 60_000);
afterEach(async () => {
  await rig?.close();
  rig = undefined;
  await cluster?.stop();
});

async function failedOverOwner(
  failOver: (master: RedisTestServer, replica: RedisTestServer) => Promise<void>,
): Promise<void> {
  rig = await ClusterTrackingRig.start(cluster);
  const [master] = cluster.masters();
  const address = `${master.host}:${master.port}`;
  const keys = keysOnEveryMaster(rig.foreign, 'fo', 3).filter(
    (key) => rig!.foreign.slots[calculateSlot(`:1:${key}`)][0] === address,
  );
  await rig.hold(keys, (key) => `${key} old`);
  const masterId = master.cli('CLUSTER', 'MYID');
  const replica = cluster.servers.find(
    (server) => server !== master && server.cli('CLUSTER', 'NODES').includes(`myself,slave ${masterId}`),
  )!;
  expect(replica).toBeDefined();

  const changedAt = new Map<string, number>();
  const reads = rig.readsPastTheBound(keys, (key) => changedAt.get(key));
  await failOver(master, replica);
  await cluster.waitUntilHealthy(3, 0, 30_000);
  // Written on the promoted replica, through a client that follows the new slot map.
  for (let attempt = 0; changedAt.size < keys.length; attempt++) {
    for (const key of keys.filter((k) => !changedAt.has(k))) {
      try {
        await rig.foreign.set(`:1:${key}`, JSON.stringify(`${key} new`), 'KEEPTTL');
        changedAt.set(key, Date.now());
      } catch (error) {
        if (attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
  await expectRecoveredOnto(rig, keys, reads, replica);
}

it('a master dies and its replica takes over', async () => {
  await failedOverOwner(async (master) => {
    await master.kill();
  });
}, 90_000);

it('a manual CLUSTER FAILOVER: the old master lives on as a replica', async () => {
  await failedOverOwner(async (_master, replica) => {
    replica.cli('CLUSTER', 'FAILOVER');
  });
}, 90_000);
