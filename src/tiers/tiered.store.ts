import type { L1Coherence } from '../bus/tracking/l1-coherence';
import type { WriteRepair } from '../stores/write-repair';
import type { CacheStore } from '../stores/cache-store';
import type { LocmemStore } from '../stores/locmem.store';
import type { RedisStore } from '../stores/redis.store';
import type { KeyChangeFeed } from '../stores/key-change-feed';
import { KeyChangeWaiters } from '../stores/key-change-waiters';
import { FillFence } from './fill-fence';
import type { TierStats } from '../stores/tier-stats';
import type { BusEvents } from '../bus/invalidation-bus';
import type { TierParts, TieredStoreSettings } from './tier-parts';
import { tierBusEvents } from './tier-bus-events';
import { peekL1, readManyThrough, readThrough } from './tier-reads';
import {
  clearPrefix,
  discardLocal,
  increment,
  removeMany,
  removing,
  retouch,
  writeAdd,
  writeMany,
  writeSet,
} from './tier-writes';

export type { TieredStoreSettings } from './tier-parts';

/**
 * The hybrid backend: L1, this process's LocmemStore, in front of L2, the RedisStore
 * every process shares, kept coherent by the invalidation bus.
 *
 * Reads: `peek` answers from L1 without I/O while the bus is live; otherwise `get` reads
 * L2 with the entry's remaining TTL in one round trip and fills L1, through the fence.
 * Writes: L2 first, then this process's L1, then an invalidation naming the keys for
 * every other process. A write that fails drops its keys from this L1 (`discardLocal`).
 *
 * Faults, time bounds and recovery stay in GuardedStore, which wraps this store like any
 * other; this class only composes the tiers.
 */
export class TieredStore implements CacheStore {
  readonly remote = true;
  private readonly parts: TierParts;
  private readonly waiters = new KeyChangeWaiters();

  /** Fleet-lock waiters are woken by the same invalidations that keep L1 coherent. */
  readonly changeFeed: KeyChangeFeed = {
    announce: (storeKey) => this.bus.announce(storeKey),
    wait: (storeKeys, maxMs) => this.waiters.wait(storeKeys, maxMs),
  };

  /** The bus's events, wired by createTieredStore (the bus is built before this store). */
  readonly busEvents: BusEvents;

  constructor(
    private readonly l1: LocmemStore,
    private readonly l2: RedisStore,
    private readonly bus: L1Coherence,
    private readonly settings: TieredStoreSettings,
  ) {
    this.parts = { l1, l2, bus, fence: new FillFence(), settings, stats: { l1Hits: 0, l2Hits: 0 } };
    this.busEvents = tierBusEvents(this.parts, this.waiters);
  }

  peek(key: string): string | undefined {
    return peekL1(this.parts, key);
  }

  peekEpoch(): number | undefined {
    return this.parts.bus.live ? this.l1.peekEpoch() : undefined;
  }

  peekStale(key: string): string | undefined {
    return this.l1.peek(key);
  }

  get(key: string): Promise<string | undefined> {
    return readThrough(this.parts, key);
  }

  getMany(keys: string[]): Promise<(string | undefined)[]> {
    return readManyThrough(this.parts, keys);
  }

  set(key: string, value: string, ttlMs: number | null): Promise<unknown> {
    return writeSet(this.parts, key, value, ttlMs);
  }

  add(key: string, value: string, ttlMs: number | null): Promise<boolean> {
    return writeAdd(this.parts, key, value, ttlMs);
  }

  setMany(entries: [string, string][], ttlMs: number | null): Promise<void> {
    return writeMany(this.parts, entries, ttlMs);
  }

  delete(key: string): Promise<boolean> {
    return removing(this.parts, key, this.l2.delete(key), true);
  }

  deleteIfEquals(key: string, value: string): Promise<boolean> {
    return removing(this.parts, key, this.l2.deleteIfEquals(key, value), false);
  }

  deleteMany(keys: string[]): Promise<number> {
    return removeMany(this.parts, keys);
  }

  async exists(key: string): Promise<boolean> {
    if (this.peek(key) !== undefined) return true;
    return this.l2.exists(key);
  }

  incrBy(key: string, delta: number): Promise<number | null> {
    return increment(this.parts, key, delta);
  }

  touch(key: string, ttlMs: number | null): Promise<boolean> {
    return retouch(this.parts, key, ttlMs);
  }

  ttlMs(key: string): Promise<number | null | undefined> {
    return this.l2.ttlMs(key);
  }

  clear(keyPrefix: string): Promise<number> {
    return clearPrefix(this.parts, keyPrefix);
  }

  /** A write the guard gave up on (failed, timed out, or held back by the breaker): this L1 must not keep what it replaced. */
  discardLocal(repair: WriteRepair): void {
    discardLocal(this.parts, repair);
  }

  ping(): Promise<void> {
    return this.l2.ping();
  }

  tierStats(): TierStats {
    return {
      l1Hits: this.parts.stats.l1Hits,
      l2Hits: this.parts.stats.l2Hits,
      l1Entries: this.l1.size,
      bus: { ...this.bus.counters, ...this.bus.state() },
    };
  }

  describe(): Record<string, unknown> {
    const l1 = this.l1.describe();
    const bus = this.bus.state();
    return {
      ...this.l2.describe(),
      backendClass: 'TieredStore',
      tiers: ['l1: LocmemStore (this process)', 'l2: RedisStore (shared)'],
      l1Entries: l1.entries,
      l1MaxEntries: l1.maxEntries,
      l1Bytes: l1.bytes,
      l1MaxBytes: l1.maxBytes,
      l1TimeoutSeconds: this.settings.l1TimeoutMs / 1000,
      busLive: bus.live,
      busChannel: bus.channel,
      busLastMessageAgeMs: bus.lastMessageAgeMs,
      l1Invalidation: bus.mode,
      l1InvalidationReason: bus.modeReason,
      ...(bus.tracking
        ? { busTrackingLive: bus.tracking.live, busTrackingLastReportAgeMs: bus.tracking.lastReportAgeMs }
        : {}),
    };
  }

  /** Opens the Redis connection; the bus starts listening either way and keeps trying. */
  async connect(): Promise<void> {
    this.bus.start();
    await this.l2.connect();
  }

  /** Once Redis answered: CACHE_L1_INVALIDATION=tracking fails startup where Redis will not track. */
  verifyStartup(): Promise<void> {
    return this.bus.verifyStartup();
  }

  get isReady(): boolean {
    return this.l2.isReady;
  }

  async close(): Promise<void> {
    await this.bus.close();
    await this.l2.close();
    await this.l1.close();
  }

  onBackgroundError(listener: (error: unknown) => void): void {
    this.l2.onBackgroundError(listener);
  }

  onReady(listener: () => void): void {
    this.l2.onReady(listener);
  }

  reset(): void {
    this.l2.reset();
  }

  nodeCensus(): ReturnType<RedisStore['nodeCensus']> {
    return this.l2.nodeCensus();
  }
}
