import { Redis } from 'ioredis';
import { BACKEND_UNDER_TEST, STORE_PREFIX } from './coherence/coherence-env';
import { expectCoherent, judgeScenario } from './coherence/coherence-verdict';
import { FOREIGN_WORKER, ForeignWriter } from './coherence/foreign-writer';
import type { OperationRecord } from './coherence/operation-log';
import { standaloneRig } from './coherence/standalone-rig';
import { READ_HEAVY_MIX, smallKeySpace } from './coherence/workload';

/**
 * Beside 3 cache processes, a fourth writer that does not use the module (a raw ioredis
 * client: SET, DEL, EXPIRE, MSET, MULTI/EXEC, EVAL) writes the same keys. With tracking,
 * its writes reach every L1 within the same bound as the processes' own; after each burst
 * every process's view equals Redis's.
 */
const rig = standaloneRig();
const FOREIGN_RATE = 500;
const OPERATIONS = 12_000;
const RATE = 3000;

it('3 processes on tracking and a foreign writer: no read staler than the bound, caches converge', async () => {
  await rig.startFleet([0, 1, 2].map(() => rig.workerEnv(BACKEND_UNDER_TEST, { CACHE_L1_INVALIDATION: 'tracking' })));
  const keys = smallKeySpace(16, 6);
  const writerClient = new Redis({ host: rig.server.host, port: rig.server.port });
  const foreign: OperationRecord[] = [];
  try {
    const writer = new ForeignWriter(writerClient, STORE_PREFIX, keys.valueKeys);
    const result = await rig.runScenario({
      keys,
      bursts: 3,
      operations: OPERATIONS,
      ratePerSecond: RATE,
      seed: 7,
      mix: READ_HEAVY_MIX,
      duringBurst: async (burst) => {
        foreign.push(...(await writer.run(100 + burst, (OPERATIONS / RATE) * 1000, FOREIGN_RATE)));
      },
    });
    result.records.push(...foreign);
    const report = judgeScenario(`${BACKEND_UNDER_TEST} on tracking, 3 processes and a foreign writer`, result, {
      figures: { 'foreign writes': foreign.length },
    });
    // The foreign writer's values were read, so its writes were judged, not just made.
    const foreignValues = new Set(foreign.filter((record) => record.value !== undefined).map((record) => `${record.key}=${record.value}`));
    const readsOfForeign = result.records.filter((record) => record.kind === 'get' && record.worker !== FOREIGN_WORKER && foreignValues.has(`${record.key}=${record.value}`)).length;
    expect(foreign.length).toBeGreaterThan(1000);
    expect(readsOfForeign).toBeGreaterThan(1000);
    expectCoherent(report, result);
  } finally {
    writerClient.disconnect();
  }
}, 150_000);
