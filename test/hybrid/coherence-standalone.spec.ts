import type { L1ValueMode } from '../../src';
import { l1ValuesEnv } from '../helpers/l1-values';
import { BACKEND_UNDER_TEST } from './coherence/coherence-env';
import { type CoherenceScenario, LONG_RUN } from './coherence/coherence-scenario';
import { expectCoherent, judgeScenario } from './coherence/coherence-verdict';
import { ALL_DIMENSIONS } from './coherence/dimensions';
import { standaloneRig } from './coherence/standalone-rig';

type Run = Omit<CoherenceScenario, 'fleet' | 'store'>;

interface ValuesRun {
  name: string;
  values: L1ValueMode;
  run: Run;
  minOperations: number;
}

/**
 * The long run in both CACHE_L1_VALUES modes: frozen hands every read of one stored text
 * the same value, which must never be served once the text is replaced. Frozen gets half
 * the bursts of copy, and a run of every dimension at once, where getOrSet and
 * getOrSetMany hand out their factory's value frozen and batches read thousands of keys
 * (the two frozen runs took 18 s on 2 loaded cores).
 */
const RUNS: ValuesRun[] = [
  { name: 'over 100,000 random operations', values: 'copy', run: { ...LONG_RUN, seed: 1 }, minOperations: 100_000 },
  {
    name: 'over 50,000 random operations',
    values: 'frozen',
    run: { ...LONG_RUN, bursts: 2, seed: 2 },
    minOperations: 50_000,
  },
  {
    name: 'every dimension at once',
    values: 'frozen',
    run: { ...ALL_DIMENSIONS, bursts: 2, operations: 1500, ratePerSecond: 1500, seed: 3 },
    // One operation per key: a batch counts each of its keys.
    minOperations: 50_000,
  },
];

const rig = standaloneRig();

it.each(RUNS)(
  '3 processes on one Redis, CACHE_L1_VALUES=$values, $name: no stale read beyond the bound, caches converge',
  async ({ name, values, run, minOperations }) => {
    await rig.startFleet([0, 1, 2].map(() => rig.workerEnv(BACKEND_UNDER_TEST, l1ValuesEnv(values))));
    const result = await rig.runScenario(run);
    const report = judgeScenario(
      `${BACKEND_UNDER_TEST}, 3 processes, standalone Redis, CACHE_L1_VALUES=${values}, ${name}`,
      result,
    );

    expect(report.operations).toBeGreaterThanOrEqual(minOperations);
    expectCoherent(report, result);
  },
  300_000,
);
