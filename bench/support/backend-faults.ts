import type { CacheManagerService } from '../../src';

/**
 * Counts the backend faults of `cache` from now on: a wrong answer that comes with one was
 * a fallback (a call cut off by the command bound, or refused by the open breaker), which
 * on an overloaded machine says more about the machine than about the code.
 */
export function faultsFrom(cache: CacheManagerService): () => string | undefined {
  const before = cache.getStats();
  return () => {
    const now = cache.getStats();
    const timeouts = now.timeouts - before.timeouts;
    const refused = now.shortCircuited - before.shortCircuited;
    const other = now.errors - before.errors - timeouts;
    const parts = [
      timeouts > 0 ? `${timeouts} calls cut off by the command bound` : '',
      refused > 0 ? `${refused} refused by the open breaker` : '',
      other > 0 ? `${other} other backend errors` : '',
    ].filter(Boolean);
    return parts.length > 0 ? parts.join(', ') : undefined;
  };
}
