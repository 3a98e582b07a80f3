import type { OperationLatencies } from './operation-latencies';
import type { CacheStore } from '../stores/cache-store';
import type { BackendHealth } from './backend-health';

/*
 * The guard's reads that need no bound, breaker or promise of their own: answers the
 * process already holds. These are the hottest paths of a hybrid or locmem cache, so each
 * makes one promise (the one handed back) and no closure, and times only sampled calls.
 */

/** A hybrid's L1 hit: `text` is what L1 holds for the key. */
export function answerNear<R>(
  latencies: OperationLatencies,
  operation: string,
  text: string,
  toResult: (answer: string) => R,
): Promise<R> {
  const timed = latencies.sampleDue();
  const started = timed ? performance.now() : 0;
  try {
    const result = toResult(text);
    if (timed) latencies.record(operation, performance.now() - started);
    else latencies.recordUntimed(operation);
    return Promise.resolve(result);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** A read of an in-process store: synchronous, so the only promise is the one handed back. */
export function readNow<R>(
  store: CacheStore,
  health: BackendHealth,
  latencies: OperationLatencies,
  operation: string,
  key: string,
  toResult: (answer: string | undefined) => R,
): Promise<R> {
  const timed = latencies.sampleDue();
  const started = timed ? performance.now() : 0;
  let answer: string | undefined;
  try {
    answer = store.peek!(key);
  } catch (error) {
    health.recordFault(operation, key, error);
  }
  if (timed) latencies.record(operation, performance.now() - started);
  else latencies.recordUntimed(operation);
  try {
    return Promise.resolve(toResult(answer));
  } catch (error) {
    return Promise.reject(error);
  }
}

/** On a fault: what the store still holds in process for `key`, counted as stale-if-error. */
export function staleFor(store: CacheStore, health: BackendHealth, key: string): string | undefined {
  const stale = store.peekStale?.(key);
  if (stale !== undefined) health.counters.staleIfError++;
  return stale;
}
