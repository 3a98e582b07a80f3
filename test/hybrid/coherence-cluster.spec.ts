import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import { rawClusterClient, RedisClusterTest } from '../helpers/redis-cluster';
import { BACKEND_UNDER_TEST, scenarioSeed, STORE_PREFIX, workerEnv } from './coherence/coherence-env';
import { ALL_DIMENSIONS } from './coherence/dimensions';
import { CoherenceFleet } from './coherence/coherence-fleet';
import { runCoherenceScenario } from './coherence/coherence-scenario';
import { expectCoherent, judgeScenario } from './coherence/coherence-verdict';
import { allKeys, smallKeySpace } from './coherence/workload';

// No replicas: nothing here fails over, and three fewer servers leave the cores to the workers.
let cluster: RedisClusterTest;
let raw: Cluster;
let fleet: CoherenceFleet | undefined;

beforeAll(async () => {
  cluster = await RedisClusterTest.start({ masters: 3, replicasPerMaster: 0 });
  raw = await rawClusterClient(cluster.seeds);
}, 60_000);
afterEach(async () => {
  await fleet?.stop();
  fleet = undefined;
  // Each test starts from an empty cluster (FLUSHALL on every master).
  await Promise.all(raw.nodes('master').map((node) => node.flushall()));
});
afterAll(async () => {
  raw?.disconnect();
  await cluster?.stop();
});

it('3 processes on a 3-master Redis Cluster: no stale read beyond the bound, caches converge', async () => {
  const keys = smallKeySpace(16, 6);
  // Writes on every master, so that no shard's invalidations go untested.
  expect(new Set(allKeys(keys).map((key) => raw.slots[calculateSlot(STORE_PREFIX + key)][0])).size).toBe(3);
  fleet = await CoherenceFleet.start([0, 1, 2].map(() => workerEnv(cluster.env(), BACKEND_UNDER_TEST)));
  const result = await runCoherenceScenario({
    fleet,
    store: { client: raw, prefix: STORE_PREFIX },
    keys,
    bursts: 2,
    operations: 5000,
    ratePerSecond: 2500,
    seed: scenarioSeed(4),
  });
  const report = judgeScenario(`${BACKEND_UNDER_TEST}, 3 processes, 3-master cluster`, result);

  expect(report.operations).toBeGreaterThanOrEqual(30_000);
  expectCoherent(report, result);
}, 300_000);

it('3 processes on a 3-master Redis Cluster, every dimension at once (batches, 1-10 ms expiries, factories that hang, throw and race invalidateTags, writes of one tick): the same', async () => {
  const { keys, mix } = ALL_DIMENSIONS;
  expect(new Set(allKeys(keys).map((key) => raw.slots[calculateSlot(STORE_PREFIX + key)][0])).size).toBe(3);
  fleet = await CoherenceFleet.start([0, 1, 2].map(() => workerEnv(cluster.env(), BACKEND_UNDER_TEST)));
  const result = await runCoherenceScenario({
    fleet,
    store: { client: raw, prefix: STORE_PREFIX },
    keys,
    mix,
    bursts: 2,
    operations: 1500,
    ratePerSecond: 1500,
    seed: scenarioSeed(6),
  });
  const report = judgeScenario(`${BACKEND_UNDER_TEST}, 3 processes, 3-master cluster, every dimension`, result);

  expectCoherent(report, result);
}, 300_000);
