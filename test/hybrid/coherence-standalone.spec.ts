import { BACKEND_UNDER_TEST } from './coherence/coherence-env';
import { LONG_RUN } from './coherence/coherence-scenario';
import { expectCoherent, judgeScenario } from './coherence/coherence-verdict';
import { standaloneRig } from './coherence/standalone-rig';

const rig = standaloneRig();

it('3 processes on one Redis: over 100,000 random operations, no stale read beyond the bound, caches converge', async () => {
  await rig.startFleet([0, 1, 2].map(() => rig.workerEnv()));
  const result = await rig.runScenario({ ...LONG_RUN, seed: 1 });
  const report = judgeScenario(`${BACKEND_UNDER_TEST}, 3 processes, standalone Redis`, result);

  expect(report.operations).toBeGreaterThanOrEqual(100_000);
  expectCoherent(report, result);
}, 300_000);
