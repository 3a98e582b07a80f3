import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import { pythonBurst } from '../helpers/python-foreign-writer';
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
 * plain ioredis Cluster client and a Python process (redis-py's RedisCluster) write the same
 * keys on every master (SET, DEL, EXPIRE/PEXPIRE 0, MSET, MULTI/EXEC, EVAL). Each master reports its own slots to every process, so its
 * writes reach every L1 within the bound, and after each burst every view equals Redis's.
 */
let cluster: RedisClusterTest;
let raw: Cluster;
let writerClient: Cluster;
let fleet: CoherenceFleet | undefined;
const OPERATIONS = 8000;
const RATE = 2500;
const FOREIGN_RATE = 300;
/** The Python writer's records: no cache process and not the raw writer. */
const PYTHON_WORKER = 98;

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
      const durationMs = (OPERATIONS / RATE) * 1000;
      const [seed] = cluster.masters();
      const [raw, python] = await Promise.all([
        writer.run(300 + burst, durationMs, FOREIGN_RATE),
        pythonBurst(
          { host: seed.host, port: seed.port, cluster: true },
          {
            prefix: STORE_PREFIX,
            keys: keys.valueKeys,
            worker: PYTHON_WORKER,
            seed: 400 + burst,
            durationMs,
            rate: FOREIGN_RATE,
          },
        ),
      ]);
      foreign.push(...raw, ...python);
    },
  });
  result.records.push(...foreign);
  const report = judgeScenario(
    `${BACKEND_UNDER_TEST} on tracking, 3 processes, 3-master cluster, a raw and a Python writer`,
    result,
    {
      figures: { 'foreign writes': foreign.length },
    },
  );
  const readsOfForeign = readsOfForeignValues(result.records, foreign);
  expect(foreign.length).toBeGreaterThan(1000);
  expect(foreign.filter((record) => record.worker === PYTHON_WORKER).length).toBeGreaterThan(500);
  expect(readsOfForeign).toBeGreaterThan(500);
  expectCoherent(report, result);
}, 300_000);
