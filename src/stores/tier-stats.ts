import type { BusCounters } from '../bus/invalidation-bus';
import type { L1CoherenceState } from '../bus/tracking/l1-coherence';

/** What getStats reports of the hybrid backend's tiers. */
export interface TierStats {
  /** Reads answered from this process's L1, with no I/O. */
  l1Hits: number;
  /** Keys read from Redis and found (each fills L1 unless it changed on the way). */
  l2Hits: number;
  /** Entries in L1 now. */
  l1Entries: number;
  /** The bus, with `mode` (tracking or bus, CACHE_L1_INVALIDATION) and the tracking path's state. */
  bus: BusCounters & L1CoherenceState;
}
