import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import { rawClusterClient, RedisClusterTest } from '../helpers/redis-cluster';
import { BACKEND_UNDER_TEST, STORE_PREFIX, workerEnv } from './coherence/coherence-env';
import { CoherenceFleet } from './coherence/coherence-fleet';
import { runCoherenceScenario } from './coherence/coherence-scenario';
import { expectCoherent, judgeScenario } from './coherence/coherence-verdict';
import { ForeignWriter, readsOfForeignValues } from './coherence/foreign-writer';
import type { OperationRecord } from './coherence/operation-log';
import { allKeys, READ_HEAVY_MIX, smallKeySpace } from './coherence/workload';

/**
 * The foreign-writer check on a 3-master Cluster: beside 3 cache processes on tracking, a
 * plain ioredis Cluster client writes the same keys on every master (SET, DEL, EXPIRE 0,
 * MSET, MULTI/EXEC, EVAL). Each master reports its own slots to every process, so its
 * writes reach every L1 within the bound, and after each burst every view equals Redis's.
 */
let cluster: RedisClusterTest;
let raw: Cluster;
let writerClient: Cluster;
let fleet: CoherenceFleet | undefined;
const OPERATIONS = 8000;
const RATE = 2500;
const FOREIGN_RATE = 400;

beforeAll(async () => {
  cluster = await RedisClusterTest.start({ masters: 3, replicasPerMaster: 0 });
  raw = await rawClusterClient(cluster.seeds);
  writerClient = await rawClusterClient(cluster.seeds);
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
  raw?.disconnect();
  writerClient?.disconnect();
  await cluster?.stop();
});

it('3 processes on tracking beside a raw Cluster writer: no read staler than the bound, caches converge', async () => {
  const keys = smallKeySpace(16, 6);
  expect(new Set(allKeys(keys).map((key) => raw.slots[calculateSlot(STORE_PREFIX + key)][0])).size).toBe(3);
  fleet = await CoherenceFleet.start(
    [0, 1, 2].map(() => workerEnv(cluster.env(), BACKEND_UNDER_TEST, { CACHE_L1_INVALIDATION: 'tracking' })),
  );
  const writer = new ForeignWriter(writerClient, STORE_PREFIX, keys.valueKeys);
  const foreign: OperationRecord[] = [];
  const result = await runCoherenceScenario({
    fleet,
    store: { client: raw, prefix: STORE_PREFIX },
    keys,
    bursts: 2,
    operations: OPERATIONS,
    ratePerSecond: RATE,
    seed: 11,
    mix: READ_HEAVY_MIX,
    duringBurst: async (burst) => {
      foreign.push(...(await writer.run(300 + burst, (OPERATIONS / RATE) * 1000, FOREIGN_RATE)));
    },
  });
  result.records.push(...foreign);
  const report = judgeScenario(
    `${BACKEND_UNDER_TEST} on tracking, 3 processes, 3-master cluster, a raw writer`,
    result,
    {
      figures: { 'foreign writes': foreign.length },
    },
  );
  const readsOfForeign = readsOfForeignValues(result.records, foreign);
  expect(foreign.length).toBeGreaterThan(1000);
  expect(readsOfForeign).toBeGreaterThan(500);
  expectCoherent(report, result);
}, 300_000);
