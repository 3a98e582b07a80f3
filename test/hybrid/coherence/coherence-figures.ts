import type { CoherenceReport, StaleRead } from './coherence-checker';
import type { OperationRecord } from './operation-log';

/** The value at quantile `q` of ascending `sorted` (nearest rank), 0 when empty. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** One line of figures per scenario: what a reader of the test output compares across runs. */
export function coherenceFiguresLine(scenario: string, report: CoherenceReport, extra: Record<string, string | number> = {}): string {
  const delays = report.stalenessMs;
  const fields: Record<string, string | number> = {
    operations: report.operations,
    reads: report.reads,
    hits: report.hits,
    'stale reads': delays.length,
    'visibility delay p50': `${quantile(delays, 0.5).toFixed(2)} ms`,
    p99: `${quantile(delays, 0.99).toFixed(2)} ms`,
    max: `${(delays[delays.length - 1] ?? 0).toFixed(2)} ms`,
    violations: report.violations,
    ...extra,
  };
  return `${scenario}: ${Object.entries(fields).map(([name, value]) => `${name} ${value}`).join(', ')}`;
}

/** A few violations in words, times relative to the first operation of the log. */
export function describeViolations(examples: StaleRead[], originUs: number): string {
  const at = (us: number) => `${((us - originUs) / 1000).toFixed(1)} ms`;
  const op = (record: OperationRecord) =>
    `${record.kind}${record.key ? ` ${record.key}` : ''}${record.value !== undefined ? ` = ${record.value}` : ''} by worker ${record.worker} [${at(record.issuedUs)} .. ${at(record.ackedUs)}]`;
  return examples
    .map((e) => `read ${op(e.read)} returned the value of ${op(e.producedBy)}, superseded by ${op(e.supersededBy)}: ${e.stalenessMs.toFixed(1)} ms stale (bound ${e.boundMs} ms)`)
    .join('\n');
}
