import type { L1Coherence } from '../bus/tracking/l1-coherence';
import type { LocmemStore } from '../stores/locmem.store';
import type { RedisStore } from '../stores/redis.store';
import type { FillFence } from './fill-fence';

export interface TieredStoreSettings {
  /** CACHE_L1_TIMEOUT in milliseconds: the longest an entry lives in L1. */
  l1TimeoutMs: number;
  /**
   * Publish an invalidation right behind its write, on the same connection, before the
   * reply (standalone and Sentinel: Redis runs the two in order, so no receiver can read
   * the old value after the message). On a Cluster the PUBLISH may travel another node and
   * overtake the write, so it waits for the write's reply.
   */
  publishWithWrite: boolean;
}

/**
 * What the tiered store's read path, write path and bus handlers share: one object, built
 * once per store, so each call passes a reference instead of allocating anything.
 */
export interface TierParts {
  readonly l1: LocmemStore;
  readonly l2: RedisStore;
  readonly bus: L1Coherence;
  readonly fence: FillFence;
  readonly settings: TieredStoreSettings;
  readonly stats: { l1Hits: number; l2Hits: number };
}

/** L1 keeps an entry no longer than CACHE_L1_TIMEOUT, and never longer than Redis does. */
export function l1Ttl(parts: TierParts, ttlMs: number | null): number {
  return ttlMs === null ? parts.settings.l1TimeoutMs : Math.min(ttlMs, parts.settings.l1TimeoutMs);
}

/** Fences this process's reads of the key still in flight, and drops its L1 copy. */
export function dropLocal(parts: TierParts, key: string): void {
  parts.fence.invalidated(key);
  parts.l1.drop(key);
}
