import type { CoherenceReport, LostWrite, StaleRead } from './coherence-checker';
import type { OperationRecord } from './operation-log';

/** The value at quantile `q` of ascending `sorted` (nearest rank), 0 when empty. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** One line of figures per scenario: what a reader of the test output compares across runs. */
export function coherenceFiguresLine(
  scenario: string,
  report: CoherenceReport,
  extra: Record<string, string | number> = {},
): string {
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
  return `${scenario}: ${Object.entries(fields)
    .map(([name, value]) => `${name} ${value}`)
    .join(', ')}`;
}

function describer(originUs: number): (record: OperationRecord) => string {
  const at = (us: number) => `${((us - originUs) / 1000).toFixed(1)} ms`;
  return (record) =>
    `${record.via ? `${record.via}: ` : ''}${record.kind}${record.key ? ` ${record.key}` : ''}${record.tags ? ` [tags ${record.tags.join(',')}]` : ''}${record.value !== undefined ? ` = ${record.value}` : ''}` +
    ` by worker ${record.worker} [${at(record.issuedUs)} .. ${at(record.ackedUs)}]${record.seq !== undefined ? ` call #${record.seq}` : ''}` +
    `${record.expiresUs !== undefined ? ` expiring by ${at(record.expiresUs)}` : ''}${record.snapshotUs !== undefined ? ` factory called ${at(record.snapshotUs)}` : ''}`;
}

/** Values Redis still held although a definitely later write replaced them, in words. */
export function describeLostWrites(lost: LostWrite[], originUs: number): string {
  const op = describer(originUs);
  return lost
    .map((l) =>
      l.absent
        ? `Redis held nothing for ${l.key}, where the last write was ${op(l.producedBy)}`
        : `Redis held ${l.key} = ${l.producedBy.value} of ${op(l.producedBy)}, replaced by ${op(l.supersededBy)}`,
    )
    .join('\n');
}

/** A few violations in words, times relative to the first operation of the log. */
export function describeViolations(examples: StaleRead[], originUs: number): string {
  const op = describer(originUs);
  return examples
    .map(
      (e) =>
        `read ${op(e.read)} returned the value of ${op(e.producedBy)}, superseded by ${op(e.supersededBy)}: ${e.stalenessMs.toFixed(1)} ms stale (bound ${e.boundMs} ms)`,
    )
    .join('\n');
}
