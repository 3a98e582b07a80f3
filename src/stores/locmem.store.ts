import { type CacheStore, NotAnIntegerError } from './cache-store';

interface Entry {
  readonly key: string;
  value: string;
  /** Epoch ms, or 0 for "never". */
  expiresAt: number;
  /** Neighbours in the recency list: `older` points toward the next entry to evict. */
  older: Entry | undefined;
  newer: Entry | undefined;
}

// What Redis INCRBY accepts: no sign but '-', no leading zeros, no "-0".
const INTEGER_TEXT = /^(0|-?[1-9]\d*)$/;

/**
 * In-process store, bounded by `maxEntries` with least-recently-used eviction.
 * Values are kept as encoded strings, so every read decodes a fresh copy and no caller
 * can change what another one reads.
 */
export class LocmemStore implements CacheStore {
  readonly remote = false;
  private readonly entries = new Map<string, Entry>();
  // Recency is a linked list through the entries, not the Map's insertion order: re-inserting
  // into the Map on every read costs two more hash operations and leaves holes that force
  // rehashing; moving two links measured 3 to 5 times cheaper per read at 5000 entries.
  private oldest: Entry | undefined;
  private newest: Entry | undefined;

  constructor(private readonly maxEntries: number) {}

  async get(key: string): Promise<string | undefined> {
    return this.read(key)?.value;
  }

  async getMany(keys: string[]): Promise<(string | undefined)[]> {
    return keys.map((key) => this.read(key)?.value);
  }

  async set(key: string, value: string, ttlMs: number | null): Promise<void> {
    this.write(key, value, ttlMs);
  }

  async add(key: string, value: string, ttlMs: number | null): Promise<boolean> {
    if (this.read(key)) return false;
    this.write(key, value, ttlMs);
    return true;
  }

  async setMany(entries: [string, string][], ttlMs: number | null): Promise<void> {
    for (const [key, value] of entries) this.write(key, value, ttlMs);
  }

  async delete(key: string): Promise<boolean> {
    const entry = this.read(key);
    if (!entry) return false;
    this.remove(entry);
    return true;
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    const entry = this.read(key);
    if (entry?.value !== value) return false;
    this.remove(entry);
    return true;
  }

  async deleteMany(keys: string[]): Promise<number> {
    let deleted = 0;
    for (const key of keys) if (await this.delete(key)) deleted++;
    return deleted;
  }

  async exists(key: string): Promise<boolean> {
    return this.read(key) !== undefined;
  }

  async incrBy(key: string, delta: number): Promise<number | null> {
    const entry = this.read(key);
    if (!entry) return null;
    if (!INTEGER_TEXT.test(entry.value)) throw new NotAnIntegerError('stored value is not an integer');
    const next = Number(entry.value) + delta;
    if (!Number.isSafeInteger(next)) throw new NotAnIntegerError('result is outside the safe integer range');
    entry.value = String(next);
    return next;
  }

  async touch(key: string, ttlMs: number | null): Promise<boolean> {
    const entry = this.read(key);
    if (!entry) return false;
    entry.expiresAt = ttlMs === null ? 0 : Date.now() + ttlMs;
    return true;
  }

  async ttlMs(key: string): Promise<number | null | undefined> {
    const entry = this.read(key);
    if (!entry) return undefined;
    return entry.expiresAt === 0 ? null : Math.max(0, entry.expiresAt - Date.now());
  }

  async clear(keyPrefix: string): Promise<number> {
    let deleted = 0;
    for (const entry of this.entries.values()) {
      if (!entry.key.startsWith(keyPrefix)) continue;
      this.remove(entry);
      deleted++;
    }
    return deleted;
  }

  async ping(): Promise<void> {
    // Straight into the map, past write() and the recency list: at maxEntries the probe would otherwise evict a real entry.
    const probe = '\u0000ideagraph-cache:probe';
    this.entries.set(probe, { key: probe, value: '1', expiresAt: 0, older: undefined, newer: undefined });
    const ok = this.entries.get(probe)?.value === '1';
    this.entries.delete(probe);
    if (!ok) throw new Error('locmem probe did not read back what it wrote');
  }

  describe(): Record<string, unknown> {
    return { backendClass: 'LocmemStore', maxEntries: this.maxEntries, entries: this.entries.size };
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.oldest = undefined;
    this.newest = undefined;
  }

  private read(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== 0 && entry.expiresAt <= Date.now()) {
      this.remove(entry);
      return undefined;
    }
    if (entry !== this.newest) {
      this.unlink(entry);
      this.append(entry);
    }
    return entry;
  }

  private write(key: string, value: string, ttlMs: number | null): void {
    const expiresAt = ttlMs === null ? 0 : Date.now() + ttlMs;
    const existing = this.entries.get(key);
    if (existing) {
      existing.value = value;
      existing.expiresAt = expiresAt;
      if (existing !== this.newest) {
        this.unlink(existing);
        this.append(existing);
      }
      return;
    }
    const entry: Entry = { key, value, expiresAt, older: undefined, newer: undefined };
    this.entries.set(key, entry);
    this.append(entry);
    while (this.entries.size > this.maxEntries && this.oldest) this.remove(this.oldest);
  }

  private remove(entry: Entry): void {
    this.entries.delete(entry.key);
    this.unlink(entry);
  }

  /** Makes `entry` the most recently used. It must not be in the list. */
  private append(entry: Entry): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }

  private unlink(entry: Entry): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = undefined;
    entry.newer = undefined;
  }
}
