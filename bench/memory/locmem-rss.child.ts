import 'reflect-metadata';
import { GuardedStore } from '../../src/resilience/guarded-store';
import { startCacheContext } from '../support/cache-app';
import { payload } from '../support/payload';

/** What the child reports to the bench. */
export interface LocmemRssReport {
  /** RSS in MiB after a full collection, by number of distinct keys written so far. */
  rssMb: Record<string, number>;
  /** Entries the store holds at the end. */
  entries: number;
}

/**
 * Runs in a fresh process (started with --expose-gc) so nothing else shares its heap:
 * writes BENCH_MEMORY_KEYS distinct keys into locmem at its default entry cap and reports
 * the RSS after a full garbage collection at a few points on the way.
 */
async function measure(): Promise<void> {
  const total = Number(process.env.BENCH_MEMORY_KEYS);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const { cache, context } = await startCacheContext({ backend: 'locmem' });
  const checkpoints = [...new Set([10_000, 100_000, total])].filter((n) => n <= total).sort((a, b) => a - b);
  const rssMb: Record<string, number> = { '0': settledRss(gc) };
  let written = 0;
  for (const checkpoint of checkpoints) {
    for (; written < checkpoint; written++) await cache.set(`distinct:${written}`, payload(written));
    rssMb[String(checkpoint)] = settledRss(gc);
  }
  const report: LocmemRssReport = { rssMb, entries: Number(context.get(GuardedStore).store.describe().entries) };
  await context.close();
  process.send!(report);
}

function settledRss(gc: () => void): number {
  gc();
  gc();
  return process.memoryUsage().rss / 2 ** 20;
}

measure().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
