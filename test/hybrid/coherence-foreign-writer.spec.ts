import { Redis } from 'ioredis';
import { pythonBurst } from '../helpers/python-foreign-writer';
import { BACKEND_UNDER_TEST, STORE_PREFIX } from './coherence/coherence-env';
import { expectCoherent, judgeScenario } from './coherence/coherence-verdict';
import { ForeignWriter, readsOfForeignValues } from './coherence/foreign-writer';
import type { OperationRecord } from './coherence/operation-log';
import { standaloneRig } from './coherence/standalone-rig';
import { READ_HEAVY_MIX, smallKeySpace } from './coherence/workload';

/**
 * Beside 3 cache processes, two writers that do not use the module write the same keys: a
 * raw ioredis client and a Python process with redis-py (SET, DEL, EXPIRE/PEXPIRE 0, MSET,
 * MULTI/EXEC, EVAL). With tracking,
 * its writes reach every L1 within the same bound as the processes' own; after each burst
 * every process's view equals Redis's.
 */
const rig = standaloneRig();
/** Writes per second of each foreign writer. */
const FOREIGN_RATE = 300;
/** The Python writer's records: no cache process and not the raw writer. */
const PYTHON_WORKER = 98;
const OPERATIONS = 12_000;
const RATE = 3000;

it('3 processes on tracking beside a raw ioredis writer and a Python writer: no read staler than the bound, caches converge', async () => {
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
        const durationMs = (OPERATIONS / RATE) * 1000;
        const [raw, python] = await Promise.all([
          writer.run(100 + burst, durationMs, FOREIGN_RATE),
          pythonBurst(rig.server, {
            prefix: STORE_PREFIX,
            keys: keys.valueKeys,
            worker: PYTHON_WORKER,
            seed: 200 + burst,
            durationMs,
            rate: FOREIGN_RATE,
          }),
        ]);
        foreign.push(...raw, ...python);
      },
    });
    result.records.push(...foreign);
    const report = judgeScenario(
      `${BACKEND_UNDER_TEST} on tracking, 3 processes, a raw ioredis and a Python writer`,
      result,
      {
        figures: { 'foreign writes': foreign.length },
      },
    );
    // The foreign writer's values were read, so its writes were judged, not just made.
    const readsOfForeign = readsOfForeignValues(result.records, foreign);
    expect(foreign.length).toBeGreaterThan(1000);
    expect(foreign.filter((record) => record.worker === PYTHON_WORKER).length).toBeGreaterThan(500);
    expect(readsOfForeign).toBeGreaterThan(1000);
    expectCoherent(report, result);
  } finally {
    writerClient.disconnect();
  }
}, 150_000);
