import type { BreakerState } from '../resilience/circuit-breaker';
import type { RecoveryStats } from '../resilience/guarded-store';
import type { GetOrSetCounters } from '../get-or-set/get-or-set-ports';
import type { TierStats } from '../stores/tier-stats';
import type { LatencySummary } from '../resilience/latency-histogram';

export type { BreakerState } from '../resilience/circuit-breaker';
export type { LatencySummary } from '../resilience/latency-histogram';
export type { RecoveryStats } from '../resilience/guarded-store';
export type { TierStats } from '../stores/tier-stats';
export type { GetOrSetCounters } from '../get-or-set/get-or-set-ports';

/**
 * What `CacheManagerService.getStats()` reports, counted since the process started.
 * Keys of `latency` are operation names (`get`, `set`, `getMany` ...): each cache call is
 * timed as its caller sees it, fallbacks on a backend fault included.
 */
export interface CacheStats {
  backend: string;
  /** Keys found, counting each key of a getMany. */
  hits: number;
  /** Keys not found or not readable because of a backend fault. */
  misses: number;
  /** Entries written by set, add (when it stored) and setMany. */
  sets: number;
  /** Keys passed to delete and deleteMany. */
  deletes: number;
  /** Calls of `@Cacheable` / `@CacheEvict` methods that ran without the cache because no key could be made from their arguments (docs/decorators.md). */
  keylessCalls: number;
  /** Backend faults (connection errors, timeouts, rejected commands). */
  errors: number;
  /** Of `errors`, the calls that ran out of time. */
  timeouts: number;
  /** Calls answered with their fallback at once because the breaker was open. */
  shortCircuited: number;
  /** Reads answered from the hybrid's L1 because Redis failed (always 0 on the other backends). */
  staleIfError: number;
  breakerState: BreakerState;
  /** Writes that did not reach the backend, and their repair once it answered again (docs/faults.md). */
  recovery: RecoveryStats;
  latency: Record<string, LatencySummary>;
  /** Factory calls, stale serves, soft and hard timeouts, background refreshes and fleet-lock waits of getOrSet (docs/get-or-set.md). */
  getOrSet: GetOrSetCounters;
  /** Hybrid only: L1 and L2 hits, L1 size and the bus (docs/hybrid.md). */
  tiers?: TierStats;
}
