import { BACKEND_UNDER_TEST, scenarioSeed } from './coherence/coherence-env';
import { expectCoherent, judgeScenario } from './coherence/coherence-verdict';
import { DIMENSIONS, type DimensionName } from './coherence/dimensions';
import { standaloneRig } from './coherence/standalone-rig';

/**
 * The checker's dimensions, one at a time, so that a finding names its dimension (run one
 * with `-t batches`, replay a failure with COHERENCE_SEED=<the seed printed>): batches of
 * 1 to 5000 keys, expiries of 1 to 10 ms, getOrSet factories that hang, throw and race
 * invalidateTags, and several writes of one key in one tick.
 */
const rig = standaloneRig({ fleetPerFile: true });

const RUNS: Record<DimensionName, { bursts: number; operations: number; ratePerSecond: number; seed: number }> = {
  // Batches of thousands of keys cost each process far more than single calls: fewer calls.
  batches: { bursts: 3, operations: 1000, ratePerSecond: 1000, seed: 21 },
  expiries: { bursts: 3, operations: 4500, ratePerSecond: 3000, seed: 22 },
  factories: { bursts: 3, operations: 3000, ratePerSecond: 1200, seed: 23 },
  ticks: { bursts: 3, operations: 4500, ratePerSecond: 3000, seed: 24 },
};

describe.each(Object.keys(RUNS) as DimensionName[])('3 processes on one Redis, %s', (name) => {
  it('no stale read beyond the bound, no lost write, no hung caller, caches converge', async () => {
    await rig.startFleet([0, 1, 2].map(() => rig.workerEnv()));
    const { keys, mix } = DIMENSIONS[name];
    const run = RUNS[name];
    const result = await rig.runScenario({
      keys,
      mix,
      bursts: run.bursts,
      operations: run.operations,
      ratePerSecond: run.ratePerSecond,
      seed: scenarioSeed(run.seed),
    });
    const report = judgeScenario(`${BACKEND_UNDER_TEST}, 3 processes, standalone Redis, ${name}`, result);

    expectCoherent(report, result);
  }, 300_000);
});
