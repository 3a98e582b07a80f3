import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { CacheManagerService } from '../../src/service/cache-manager.service';

export interface LoadResult {
  /** Milliseconds per cache call, as the caller saw it. */
  latencies: number[];
  /** Writes that did not reach Redis (the caller got false). */
  fallbacks: number;
  /** Anything a cache call threw: must stay empty. */
  exceptions: unknown[];
}

/**
 * Keeps `workers` loops of set-then-get over `keys` keys running until stopped. Each
 * loop yields to the event loop between calls: with an open breaker every call answers
 * at once, and a loop of resolved promises would starve the timers of the test itself.
 */
export function runLoad(
  cache: CacheManagerService,
  options: { workers: number; keys: number },
): { stop(): Promise<LoadResult> } {
  const result: LoadResult = { latencies: [], fallbacks: 0, exceptions: [] };
  let running = true;
  const timed = async <T>(call: () => Promise<T>): Promise<T | undefined> => {
    const started = performance.now();
    try {
      return await call();
    } catch (error) {
      result.exceptions.push(error);
      return undefined;
    } finally {
      result.latencies.push(performance.now() - started);
    }
  };
  const worker = async (id: number) => {
    for (let n = 0; running; n++) {
      const key = `k${(id * 7919 + n * 104_729) % options.keys}`;
      const stored = await timed(() => cache.set(key, { id, n }, 60));
      if (stored === false) result.fallbacks++;
      await timed(() => cache.get(key));
      await yieldToEventLoop();
    }
  };
  const workers = Array.from({ length: options.workers }, (_, id) => worker(id));
  return {
    stop: async () => {
      running = false;
      await Promise.all(workers);
      return result;
    },
  };
}

export function summarize(result: LoadResult): {
  calls: number;
  fallbacks: number;
  p50: number;
  p99: number;
  max: number;
} {
  const sorted = [...result.latencies].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0) * 10) / 10;
  return { calls: sorted.length, fallbacks: result.fallbacks, p50: at(0.5), p99: at(0.99), max: at(1) };
}
