import type { KeyReadings } from './operation-log';

export interface Divergence {
  worker: number;
  key: string;
  /** What the worker's cache returned. */
  cached: string;
  /** What Redis holds; undefined when it holds nothing. */
  stored: string | undefined;
}

/**
 * After every write has settled, a cache may miss (L1 dropped the key, or never had it)
 * but must not return anything other than what Redis holds: a value that differs, or a
 * value where Redis has none, is an L1 entry no later write would ever invalidate.
 */
export function findDivergences(readings: KeyReadings[], stored: KeyReadings): Divergence[] {
  const divergences: Divergence[] = [];
  readings.forEach((reading, worker) => {
    for (const [key, cached] of Object.entries(reading)) {
      if (cached !== stored[key]) divergences.push({ worker, key, cached, stored: stored[key] });
    }
  });
  return divergences;
}
