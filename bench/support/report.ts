import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Machine } from './machine';
import type { Row } from './row';
import { markdownTable } from './table';

const START = '<!-- bench:results:start (written by npm run bench; edit outside these markers) -->';
const END = '<!-- bench:results:end -->';

export interface RunInfo {
  machine: Machine;
  command: string;
  quick: boolean;
  startedAt: Date;
  seconds: number;
}

/** The generated part of docs/benchmarks.md: how, where and what was measured. */
export function resultsSection(rows: readonly Row[], run: RunInfo): string {
  const { machine } = run;
  return [
    `Run of ${run.startedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC, ${run.quick ? 'quick' : 'full'} mode, ${Math.round(run.seconds)} s in all.`,
    '',
    `- Command: \`${run.command}\``,
    `- Machine: ${machine.cpuCount} × ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, ${machine.platform}`,
    `- Node ${machine.node}, Redis ${machine.redis} (its own redis-server on a free loopback port)`,
    '',
    markdownTable(rows),
  ].join('\n');
}

/**
 * Replaces the generated part of the document and keeps everything written around it (the
 * method and the analysis), so a re-run refreshes the numbers without losing the prose.
 */
export function writeResults(path: string, section: string): void {
  const block = `${START}\n${section}\n${END}`;
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + block + current.slice(end + END.length)
      : `# Benchmarks\n\n${block}\n${current}`;
  writeFileSync(path, next);
}
