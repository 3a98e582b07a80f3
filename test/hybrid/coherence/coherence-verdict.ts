import { checkCoherence, type CheckerOptions, type CoherenceReport } from './coherence-checker';
import { ONLINE_BOUND_MS } from './coherence-env';
import { coherenceFiguresLine, describeLostWrites, describeViolations } from './coherence-figures';
import type { ScenarioResult } from './coherence-scenario';

/** Checks a scenario's log against `boundMs` (ONLINE_BOUND_MS by default) and prints its line of figures, divergences last. */
export function judgeScenario(
  label: string,
  result: ScenarioResult,
  options: { boundMs?: CheckerOptions['boundMs']; figures?: Record<string, string | number> } = {},
): CoherenceReport {
  const report = checkCoherence(result.records, { boundMs: options.boundMs ?? ONLINE_BOUND_MS, stored: result.stored });
  console.log(
    coherenceFiguresLine(label, report, {
      ...options.figures,
      divergences: result.divergences.length,
      'lost writes': report.lostWrites.length,
      'hung calls': result.overdue.length,
      calls: Object.entries(result.calls)
        .map(([call, count]) => `${call} ${count}`)
        .join(' '),
      'seconds per burst': result.seconds.bursts.map((s) => s.toFixed(1)).join(' '),
      'per convergence check': result.seconds.checks.map((s) => s.toFixed(1)).join(' '),
      seed: result.seed,
    }),
  );
  return report;
}

/**
 * What every hybrid scenario must show: no read staler than its bound, every cache
 * agreeing with Redis after each burst, Redis holding no value a later write replaced,
 * no getOrSet left hanging past its hard timeout, no call that threw, no unhandled rejection.
 */
export function expectCoherent(report: CoherenceReport, result: ScenarioResult): void {
  expect(describeViolations(report.examples, result.records[0].issuedUs)).toBe('');
  expect(report.violations).toBe(0);
  expect(result.divergences.slice(0, 5)).toEqual([]);
  expect(result.divergences).toHaveLength(0);
  expect(describeLostWrites(report.lostWrites.slice(0, 5), result.records[0].issuedUs)).toBe('');
  expect(result.overdue.slice(0, 5)).toEqual([]);
  expect(result.thrown).toEqual([]);
  expect(result.unhandledRejections).toBe(0);
}
