import { describeViolations } from './coherence/coherence-figures';
import { judgeScenario } from './coherence/coherence-verdict';
import { standaloneRig } from './coherence/standalone-rig';
import { smallKeySpace } from './coherence/workload';

/**
 * The harness on the two backends whose answer is known: redis is one shared store, so
 * it must pass; locmem gives each process its own cache, so the checkers must fail it.
 * Without the second, a harness that never saw a stale read would pass anything.
 */
const ONLINE_BOUND_MS = 250;
const KEYS = smallKeySpace(12, 4);

const rig = standaloneRig();

async function run(backend: 'redis' | 'locmem', seed: number) {
  await rig.startFleet([0, 1, 2].map(() => rig.workerEnv(backend)));
  const result = await rig.runScenario({ keys: KEYS, bursts: 2, operations: 3000, ratePerSecond: 2000, seed });
  const report = judgeScenario(`harness on ${backend}`, result, { boundMs: ONLINE_BOUND_MS });
  return { result, report };
}

it('finds no violation on redis, where every process shares one store', async () => {
  const { result, report } = await run('redis', 11);
  expect(describeViolations(report.examples, result.records[0].issuedUs)).toBe('');
  expect(report.violations).toBe(0);
  expect(report.stalenessMs).toEqual([]);
  expect(result.divergences).toEqual([]);
  expect(result.thrown).toEqual([]);
  expect(report.operations).toBeGreaterThanOrEqual(18_000);
}, 240_000);

it('finds violations and divergences on locmem, where each process has its own cache', async () => {
  const { result, report } = await run('locmem', 12);
  expect(report.violations).toBeGreaterThan(0);
  expect(result.divergences.length).toBeGreaterThan(0);
  expect(describeViolations(report.examples.slice(0, 1), result.records[0].issuedUs)).toMatch(/stale \(bound 250 ms\)/);
}, 240_000);
