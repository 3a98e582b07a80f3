import { formatRatio, formatSummary } from './format';
import type { Row } from './row';

const HEADER = [
  'measurement',
  'ideagraph-cache',
  'baseline (same run)',
  'baseline result',
  'speed vs baseline',
  'range over rounds',
  'client CPU µs/op (ours / baseline)',
  'target',
  'verdict',
];

/** The result rows as one Markdown table; sections become bold separator lines. */
export function markdownTable(rows: readonly Row[]): string {
  const lines = [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`];
  let section: string | undefined;
  for (const row of rows) {
    if (row.section !== section) {
      section = row.section;
      lines.push(`| **${section}** |${' |'.repeat(HEADER.length - 1)}`);
    }
    lines.push(`| ${cells(row).map(escapeCell).join(' | ')} |`);
  }
  return lines.join('\n');
}

function cells(row: Row): string[] {
  const measurement = row.note ? `${row.measurement} (${row.note})` : row.measurement;
  return [
    measurement,
    row.oursText ?? formatSummary(row.ours, row.unit),
    row.baselineName ?? '—',
    row.baseline ? formatSummary(row.baseline, row.unit) : '—',
    row.speed ? formatRatio(row.speed.median) : '—',
    row.speed ? `${formatRatio(row.speed.min)} – ${formatRatio(row.speed.max)}` : '—',
    row.cpuUs
      ? [row.cpuUs.ours, row.cpuUs.baseline]
          .filter((v): v is number => v !== undefined)
          .map(cpu)
          .join(' / ')
      : '—',
    row.target?.text ?? '—',
    verdict(row),
  ];
}

function cpu(us: number): string {
  return us >= 10 ? us.toFixed(1) : us.toFixed(2);
}

function verdict(row: Row): string {
  if (row.problem) return `**invalid** (${row.problem})`;
  if (!row.target) return '—';
  return row.target.met ? 'met' : '**missed**';
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}
