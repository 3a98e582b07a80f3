import type { L1Coherence } from '../bus/tracking/l1-coherence';
import type { WriteRepair } from '../stores/write-repair';
import type { CacheStore } from '../stores/cache-store';
import type { LocmemStore } from '../stores/locmem.store';
import type { RedisStore } from '../stores/redis.store';
import type { KeyChangeFeed } from '../stores/key-change-feed';
import { KeyChangeWaiters } from '../stores/key-change-waiters';
import { FillFence } from './fill-fence';
import type { TierStats } from '../stores/tier-stats';

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
  private readonly fence = new FillFence();
  private readonly stats = { l1Hits: 0, l2Hits: 0 };
  private readonly waiters = new KeyChangeWaiters();

  /** Fleet-lock waiters are woken by the same invalidations that keep L1 coherent. */
  readonly changeFeed: KeyChangeFeed = {
    announce: (storeKey) => this.bus.announce(storeKey),
    wait: (storeKeys, maxMs) => this.waiters.wait(storeKeys, maxMs),
  };

  constructor(
    private readonly l1: LocmemStore,
    private readonly l2: RedisStore,
    private readonly bus: L1Coherence,
    private readonly settings: TieredStoreSettings,
  ) {}

  /** The bus's events, wired by createTieredStore (the bus is built before this store). */
  readonly busEvents = {
    invalidate: (keys: readonly string[]) => {
      for (const key of keys) {
        this.fence.invalidated(key);
        this.l1.drop(key);
      }
      this.waiters.changed(keys);
    },
    clear: (prefix: string) => {
      this.fence.wiped();
      this.l1.dropPrefix(prefix);
      this.waiters.changedAll();
    },
    // Kept while lost, for stale-if-error if Redis fails too; never served as fresh.
    lost: (_reason: string) => this.fence.wiped(),
    regained: () => {
      this.fence.wiped();
      this.l1.dropPrefix('');
    },
  };

  peek(key: string): string | undefined {
    if (!this.bus.live) return undefined;
    const text = this.l1.peek(key);
    if (text !== undefined) this.stats.l1Hits++;
    return text;
  }

  peekStale(key: string): string | undefined {
    return this.l1.peek(key);
  }

  get(key: string): Promise<string | undefined> {
    const ticket = this.fence.take();
    const sentAt = performance.now();
    return this.l2.getWithTtl(key).then(
      (found) => {
        const fillable = this.fence.redeem(ticket, key);
        if (found === undefined) return undefined;
        this.stats.l2Hits++;
        if (fillable) this.fill(key, found[0], found[1], sentAt);
        return found[0];
      },
      (error: unknown) => {
        this.fence.release(ticket);
        throw error;
      },
    );
  }

  async getMany(keys: string[]): Promise<(string | undefined)[]> {
    const answers: (string | undefined)[] = keys.map((key) => this.peek(key));
    const missing = keys.filter((_, i) => answers[i] === undefined);
    if (missing.length === 0) return answers;
    const ticket = this.fence.take();
    const sentAt = performance.now();
    let found: Awaited<ReturnType<RedisStore['getManyWithTtl']>>;
    try {
      found = await this.l2.getManyWithTtl(missing);
    } catch (error) {
      this.fence.release(ticket);
      throw error;
    }
    const fillable = this.fence.redeemMany(ticket, missing);
    let next = 0;
    for (let i = 0; i < keys.length; i++) {
      if (answers[i] !== undefined) continue;
      const entry = found[next++];
      if (entry === undefined) continue;
      this.stats.l2Hits++;
      answers[i] = entry[0];
      if (fillable(keys[i])) this.fill(keys[i], entry[0], entry[1], sentAt);
    }
    return answers;
  }

  set(key: string, value: string, ttlMs: number | null): Promise<unknown> {
    const ticket = this.beginWrite(key);
    const stored = this.l2.set(key, value, ttlMs);
    if (this.settings.publishWithWrite) this.bus.announce(key);
    return stored.then(
      (reply) => {
        this.keepWritten(ticket, key, value, ttlMs);
        if (!this.settings.publishWithWrite) this.bus.announce(key);
        return reply;
      },
      (error: unknown) => this.writeFailed(ticket, key, error),
    );
  }

  async add(key: string, value: string, ttlMs: number | null): Promise<boolean> {
    const ticket = this.beginWrite(key);
    let added: boolean;
    try {
      added = await this.l2.add(key, value, ttlMs);
    } catch (error) {
      return this.writeFailed(ticket, key, error);
    }
    if (!added) {
      this.fence.release(ticket);
      return false;
    }
    this.keepWritten(ticket, key, value, ttlMs);
    this.bus.announce(key);
    return true;
  }

  async setMany(entries: [string, string][], ttlMs: number | null): Promise<void> {
    const keys = entries.map(([key]) => key);
    for (const key of keys) this.fence.invalidated(key);
    const ticket = this.fence.take();
    const stored = this.l2.setMany(entries, ttlMs);
    if (this.settings.publishWithWrite) this.bus.announce(keys);
    try {
      await stored;
    } catch (error) {
      this.fence.release(ticket);
      for (const key of keys) this.l1.drop(key);
      throw error;
    }
    const fillable = this.fence.redeemMany(ticket, keys);
    for (const [key, value] of entries) {
      if (fillable(key) && this.bus.live) this.l1.put(key, value, this.l1Ttl(ttlMs));
      else this.l1.drop(key);
    }
    if (!this.settings.publishWithWrite) this.bus.announce(keys);
  }

  delete(key: string): Promise<boolean> {
    return this.removing(key, this.l2.delete(key), true);
  }

  deleteIfEquals(key: string, value: string): Promise<boolean> {
    return this.removing(key, this.l2.deleteIfEquals(key, value), false);
  }

  async deleteMany(keys: string[]): Promise<number> {
    for (const key of keys) this.dropLocal(key);
    const deleted = this.l2.deleteMany(keys);
    if (this.settings.publishWithWrite) this.bus.announce(keys);
    const count = await deleted;
    // Again, as removing() does: a fill whose read was sent before the delete may have landed meanwhile.
    for (const key of keys) this.dropLocal(key);
    if (!this.settings.publishWithWrite) this.bus.announce(keys);
    return count;
  }

  async exists(key: string): Promise<boolean> {
    if (this.peek(key) !== undefined) return true;
    return this.l2.exists(key);
  }

  async incrBy(key: string, delta: number): Promise<number | null> {
    // The new value's TTL is unknown here: the next read fills it, TTL and all.
    this.dropLocal(key);
    const next = await this.l2.incrBy(key, delta);
    this.dropLocal(key);
    if (next !== null) this.bus.announce(key);
    return next;
  }

  async touch(key: string, ttlMs: number | null): Promise<boolean> {
    const touched = await this.l2.touch(key, ttlMs);
    if (!touched) return false;
    // Other L1s may hold the entry for longer than its new TTL: they drop it.
    this.l1.retime(key, this.l1Ttl(ttlMs));
    this.bus.announce(key);
    return true;
  }

  ttlMs(key: string): Promise<number | null | undefined> {
    return this.l2.ttlMs(key);
  }

  async clear(keyPrefix: string): Promise<number> {
    this.fence.wiped();
    const deleted = await this.l2.clear(keyPrefix);
    // Again after: a read that started during the SCAN may have filled a key it had not reached yet.
    this.fence.wiped();
    this.l1.dropPrefix(keyPrefix);
    this.bus.announceClear(keyPrefix);
    return deleted;
  }

  /** A write the guard gave up on (failed, timed out, or held back by the breaker): this L1 must not keep what it replaced. */
  discardLocal(repair: WriteRepair): void {
    if (typeof repair === 'string') this.dropLocal(repair);
    else if ('clearPrefix' in repair) {
      this.fence.wiped();
      this.l1.dropPrefix(repair.clearPrefix);
    } else for (const key of repair as readonly string[]) this.dropLocal(key);
  }

  ping(): Promise<void> {
    return this.l2.ping();
  }

  tierStats(): TierStats {
    return { l1Hits: this.stats.l1Hits, l2Hits: this.stats.l2Hits, l1Entries: this.l1.size, bus: { ...this.bus.counters, ...this.bus.state() } };
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
      ...(bus.tracking ? { busTrackingLive: bus.tracking.live, busTrackingLastReportAgeMs: bus.tracking.lastReportAgeMs } : {}),
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

  /**
   * Fences this process's own reads of the key that are still in flight (a reply that
   * left Redis before this write must not land in L1 after it), then takes the write's
   * own ticket: what it wrote enters L1 only if no other process changed the key meanwhile.
   */
  private beginWrite(key: string): number {
    this.fence.invalidated(key);
    return this.fence.take();
  }

  /** After a confirmed write: L1 keeps what was written, unless the key changed meanwhile. */
  private keepWritten(ticket: number, key: string, value: string, ttlMs: number | null): void {
    if (this.fence.redeem(ticket, key) && this.bus.live) this.l1.put(key, value, this.l1Ttl(ttlMs));
    else this.l1.drop(key);
  }

  private writeFailed(ticket: number, key: string, error: unknown): never {
    this.fence.release(ticket);
    this.l1.drop(key);
    throw error;
  }

  private async removing(key: string, removal: Promise<boolean>, announceEarly: boolean): Promise<boolean> {
    this.dropLocal(key);
    const early = announceEarly && this.settings.publishWithWrite;
    if (early) this.bus.announce(key);
    const removed = await removal;
    // Again: a fill whose read was sent before the delete may have landed meanwhile.
    this.dropLocal(key);
    if (removed && !early) this.bus.announce(key);
    return removed;
  }

  private dropLocal(key: string): void {
    this.fence.invalidated(key);
    this.l1.drop(key);
  }

  /**
   * `ttlMs` is what Redis had left when it ran the read, some time after `sentAt`: counted
   * from `sentAt`, the L1 entry ends no later than the key in Redis. A read that reached
   * Redis in the key's last millisecond gets PTTL 0; nothing is filled then (an L1 TTL of 0
   * would mean "never expires": such entries outlived their key by minutes).
   */
  private fill(key: string, text: string, ttlMs: number | null, sentAt: number): void {
    if (!this.bus.live) return;
    const left = ttlMs === null ? null : ttlMs - (performance.now() - sentAt);
    if (left !== null && !(left >= 1)) return;
    this.l1.put(key, text, this.l1Ttl(left === null ? null : Math.floor(left)));
  }

  /** L1 keeps an entry no longer than CACHE_L1_TIMEOUT, and never longer than Redis does. */
  private l1Ttl(ttlMs: number | null): number {
    return ttlMs === null ? this.settings.l1TimeoutMs : Math.min(ttlMs, this.settings.l1TimeoutMs);
  }
}
