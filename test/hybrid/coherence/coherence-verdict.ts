import { checkCoherence, type CheckerOptions, type CoherenceReport } from './coherence-checker';
import { ONLINE_BOUND_MS } from './coherence-env';
import { coherenceFiguresLine, describeViolations } from './coherence-figures';
import type { ScenarioResult } from './coherence-scenario';

/** Checks a scenario's log against `boundMs` (ONLINE_BOUND_MS by default) and prints its line of figures, divergences last. */
export function judgeScenario(
  label: string,
  result: ScenarioResult,
  options: { boundMs?: CheckerOptions['boundMs']; figures?: Record<string, string | number> } = {},
): CoherenceReport {
  const report = checkCoherence(result.records, { boundMs: options.boundMs ?? ONLINE_BOUND_MS });
  console.log(coherenceFiguresLine(label, report, { ...options.figures, divergences: result.divergences.length }));
  return report;
}

/**
 * What every hybrid scenario must show: no read staler than its bound, every cache
 * agreeing with Redis after each burst, no call that threw, no unhandled rejection.
 */
export function expectCoherent(report: CoherenceReport, result: ScenarioResult): void {
  expect(describeViolations(report.examples, result.records[0].issuedUs)).toBe('');
  expect(report.violations).toBe(0);
  expect(result.divergences).toEqual([]);
  expect(result.thrown).toEqual([]);
  expect(result.unhandledRejections).toBe(0);
}
