import { LRUCache } from 'lru-cache';
import { type CacheStore, NotAnIntegerError } from './cache-store';
import { entryBytes, type LocmemBounds } from '../config/locmem-bounds';

// What Redis INCRBY accepts: no sign but '-', no leading zeros, no "-0".
const INTEGER_TEXT = /^(0|-?[1-9]\d*)$/;

/**
 * In-process store, bounded both by entry count and by accounted bytes (entryBytes), with
 * least-recently-used eviction for either bound. Values are kept as encoded strings, so
 * every read decodes a fresh copy and no caller can change what another one reads.
 *
 * A single entry larger than maxBytes is not stored, and an older value under its key is
 * removed, as if it had been evicted at once: a cache may drop any entry, but must never
 * answer with a value older than the last write.
 */
export class LocmemStore implements CacheStore {
  readonly remote = false;
  private readonly bounds: LocmemBounds;
  private readonly entries: LRUCache<string, string>;
  /** Counts every change made through this store (peekEpoch); evictions and expiry change no value and are not counted. */
  private changes = 0;

  constructor(bounds: LocmemBounds) {
    this.bounds = { ...bounds };
    for (const [name, limit] of Object.entries(this.bounds)) {
      if (!Number.isSafeInteger(limit) || limit < 1)
        throw new RangeError(`LocmemStore ${name} must be a positive integer, got ${limit}`);
    }
    this.entries = new LRUCache<string, string>({
      // Not lru-cache's `max`: it preallocates about 50 bytes per slot up front (measured
      // 38 MiB for max=1e6), and CACHE_MAX_ENTRIES has no upper limit. The entry bound is
      // enforced in put() instead, and memory follows what is actually held.
      maxSize: this.bounds.maxBytes,
      sizeCalculation: (value, key) => entryBytes(key, value),
      // Exact expiry on every read; the default 1 ms resolution caches the clock with a timer.
      ttlResolution: 0,
    });
  }

  async get(key: string): Promise<string | undefined> {
    return this.entries.get(key);
  }

  /** Entries held now. */
  get size(): number {
    return this.entries.size;
  }

  peek(key: string): string | undefined {
    return this.entries.get(key);
  }

  peekEpoch(): number {
    return this.changes;
  }

  async getMany(keys: string[]): Promise<(string | undefined)[]> {
    return keys.map((key) => this.entries.get(key));
  }

  async set(key: string, value: string, ttlMs: number | null): Promise<void> {
    this.put(key, value, ttlMs);
  }

  async add(key: string, value: string, ttlMs: number | null): Promise<boolean> {
    if (this.entries.get(key) !== undefined) return false;
    return this.put(key, value, ttlMs);
  }

  async setMany(entries: [string, string][], ttlMs: number | null): Promise<void> {
    for (const [key, value] of entries) this.put(key, value, ttlMs);
  }

  async delete(key: string): Promise<boolean> {
    this.changes++;
    // get, not has: a stale entry must count as absent (has would drop it without saying so).
    return this.entries.get(key) !== undefined && this.entries.delete(key);
  }

  /** Removes the key at once, without a promise (the hybrid's L1 drops keys on every invalidation). */
  drop(key: string): void {
    this.changes++;
    this.entries.delete(key);
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    this.changes++;
    return this.entries.get(key) === value && this.entries.delete(key);
  }

  async deleteMany(keys: string[]): Promise<number> {
    let deleted = 0;
    for (const key of keys) if (await this.delete(key)) deleted++;
    return deleted;
  }

  // Every read goes through get(), which is what marks an entry as used (has() would not).
  async exists(key: string): Promise<boolean> {
    return this.entries.get(key) !== undefined;
  }

  async incrBy(key: string, delta: number): Promise<number | null> {
    const text = this.entries.get(key);
    if (text === undefined) return null;
    if (!INTEGER_TEXT.test(text)) throw new NotAnIntegerError('stored value is not an integer');
    const next = Number(text) + delta;
    if (!Number.isSafeInteger(next)) throw new NotAnIntegerError('result is outside the safe integer range');
    // Re-set rather than mutate: the entry's size can change ("9" -> "10"); noUpdateTTL keeps its expiry.
    this.changes++;
    this.entries.set(key, String(next), { noUpdateTTL: true });
    return next;
  }

  async touch(key: string, ttlMs: number | null): Promise<boolean> {
    return this.retime(key, ttlMs);
  }

  /** Sets a new expiry at once; false if the key is absent. */
  retime(key: string, ttlMs: number | null): boolean {
    const text = this.entries.get(key);
    if (text === undefined) return false;
    this.changes++;
    if (ttlMs !== null && !(ttlMs > 0)) this.entries.delete(key);
    else this.entries.set(key, text, { ttl: ttlMs ?? 0 });
    return true;
  }

  async ttlMs(key: string): Promise<number | null | undefined> {
    if (this.entries.get(key) === undefined) return undefined;
    const left = this.entries.getRemainingTTL(key);
    return left === Infinity ? null : Math.max(0, left);
  }

  async clear(keyPrefix: string): Promise<number> {
    return this.dropPrefix(keyPrefix);
  }

  /** Removes every key that starts with `keyPrefix`, at once; how many. */
  dropPrefix(keyPrefix: string): number {
    this.changes++;
    this.entries.purgeStale();
    // Collected first: deleting while lru-cache walks its recency list would skip entries.
    const doomed = [...this.entries.keys()].filter((key) => key.startsWith(keyPrefix));
    for (const key of doomed) this.entries.delete(key);
    return doomed.length;
  }

  /**
   * Checks that both bounds hold. A write-and-read probe would evict a real entry from a
   * full store, and reading a Map back tells nothing; the bounds are what can go wrong.
   */
  async ping(): Promise<void> {
    const { size, calculatedSize } = this.entries;
    if (size > this.bounds.maxEntries || calculatedSize > this.bounds.maxBytes) {
      throw new Error(
        `locmem holds ${size} entries and ${calculatedSize} bytes, over its bounds of ${this.bounds.maxEntries} entries and ${this.bounds.maxBytes} bytes`,
      );
    }
  }

  describe(): Record<string, unknown> {
    return {
      backendClass: 'LocmemStore',
      maxEntries: this.bounds.maxEntries,
      entries: this.entries.size,
      maxBytes: this.bounds.maxBytes,
      bytes: this.entries.calculatedSize,
    };
  }

  async close(): Promise<void> {
    this.changes++;
    this.entries.clear();
  }

  /** Stores at once. True if stored; false if the entry alone is larger than maxBytes (the key is then dropped). */
  put(key: string, value: string, ttlMs: number | null): boolean {
    this.changes++;
    // A TTL that has already run out (lru-cache would read 0 as "never expires"): the entry is gone.
    if (entryBytes(key, value) > this.bounds.maxBytes || (ttlMs !== null && !(ttlMs > 0))) {
      this.entries.delete(key);
      return false;
    }
    // ttl 0 is lru-cache's "never expires".
    this.entries.set(key, value, { ttl: ttlMs ?? 0 });
    // The new entry is the most recently used, so pop() never takes it back.
    while (this.entries.size > this.bounds.maxEntries) this.entries.pop();
    return true;
  }
}
