import { fork } from 'node:child_process';
import { join } from 'node:path';
import { defaultCacheOptions } from '../../src/config/cache-defaults';
import type { LocmemRssReport } from '../memory/locmem-rss.child';
import { makeRow, type Row } from '../support/row';
import type { BenchSettings } from '../support/settings';

const SECTION = 'locmem memory, a fresh process per round';
/** RSS may still move by allocator noise once the cap is reached; growth with the key count would be far larger. */
const GROWTH_ALLOWED_MB = 10;

/** RSS after writing many distinct keys at the default entry cap: it must stop growing once the cap is full. */
export async function locmemMemoryRows(settings: BenchSettings): Promise<Row[]> {
  const maxEntries = defaultCacheOptions().maxEntries;
  const total = settings.memoryKeys;
  const reports: LocmemRssReport[] = [];
  for (let round = 0; round < settings.memoryRounds; round++) reports.push(await runChild(total));
  const atCap = reports.map((report) => report.rssMb['100000'] ?? report.rssMb['10000']);
  const atTotal = reports.map((report) => report.rssMb[String(total)]);
  const growth = atTotal.map((rss, i) => rss - atCap[i]);
  const entries = Math.max(...reports.map((report) => report.entries));
  const empty = reports.map((report) => report.rssMb['0']);
  return [
    makeRow({
      section: SECTION,
      measurement: `RSS after ${total.toLocaleString('en')} distinct keys, CACHE_MAX_ENTRIES=${maxEntries} (default)`,
      unit: 'MB',
      ours: atTotal,
      note: `empty: ${fmt(empty)} MB, after 100,000 keys: ${fmt(atCap)} MB, entries held at the end: ${entries}`,
    }),
    makeRow({
      section: SECTION,
      measurement: `RSS growth from 100,000 to ${total.toLocaleString('en')} distinct keys`,
      unit: 'MB',
      ours: growth,
      absolute: { limit: GROWTH_ALLOWED_MB, text: `bounded: ≤ ${GROWTH_ALLOWED_MB} MB` },
      problem:
        entries > maxEntries ? `the store held ${entries} entries, more than its cap of ${maxEntries}` : undefined,
    }),
  ];
}

function runChild(keys: number): Promise<LocmemRssReport> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, '..', 'memory', 'locmem-rss.child.ts'), {
      execArgv: ['--expose-gc', ...process.execArgv],
      env: { ...process.env, BENCH_MEMORY_KEYS: String(keys) },
    });
    let report: LocmemRssReport | undefined;
    child.on('message', (message: LocmemRssReport) => (report = message));
    child.on('error', reject);
    child.on('exit', (code) =>
      report ? resolve(report) : reject(new Error(`memory child exited with code ${code} without a report`)),
    );
  });
}

function fmt(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1].toFixed(1);
}
