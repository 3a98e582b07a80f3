import { type CacheStore, NotAnIntegerError } from './cache-store';

interface Entry {
  value: string;
  /** Epoch ms, or 0 for "never". */
  expiresAt: number;
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
  // A Map iterates in insertion order; re-inserting on access keeps the oldest first.
  private readonly entries = new Map<string, Entry>();

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
    return this.read(key) !== undefined && this.entries.delete(key);
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    return this.read(key)?.value === value && this.entries.delete(key);
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
    for (const key of this.entries.keys()) {
      if (key.startsWith(keyPrefix) && this.entries.delete(key)) deleted++;
    }
    return deleted;
  }

  async ping(): Promise<void> {
    // Straight into the map, past write(): at maxEntries the probe would otherwise evict a real entry.
    const probe = '\u0000ideagraph-cache:probe';
    this.entries.set(probe, { value: '1', expiresAt: 0 });
    const ok = this.entries.get(probe)?.value === '1';
    this.entries.delete(probe);
    if (!ok) throw new Error('locmem probe did not read back what it wrote');
  }

  describe(): Record<string, unknown> {
    return { backendClass: 'LocmemStore', maxEntries: this.maxEntries, entries: this.entries.size };
  }

  async close(): Promise<void> {
    this.entries.clear();
  }

  private read(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt !== 0 && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  private write(key: string, value: string, ttlMs: number | null): void {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: ttlMs === null ? 0 : Date.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
