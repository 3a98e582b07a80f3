import { NOT_STORABLE } from '../codec/value-codec';
import type { ValueFormat } from '../codec/value-format';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import type { GuardedStore } from '../resilience/guarded-store';
import { makeKeyPrefix } from '../service/cache-key';
import { timeoutToMs } from '../service/cache-timeout';
import { encodeForStore } from '../service/encode-for-store';
import type { FoundEntry } from './get-or-set-flow';
import type { ManyEntryPort } from './get-or-set-many';
import type { GetOrSetPolicy } from './get-or-set-options';
import { readStoredText, wrapEntry, type EntryTimes } from './stored-entry';

type Timeout = number | null | undefined;

/**
 * How getOrSet reads and writes entries through the guard: with their times when the
 * policy needs a logical expiry (grace, refresh-ahead), as plain values otherwise. Keys
 * are validated by the service before they get here.
 */
export class StoredEntries implements ManyEntryPort {
  private readonly keyPrefix: string;

  constructor(
    private readonly guard: GuardedStore,
    private readonly options: IdeaGraphCacheOptions,
    private readonly counters: { hits: number; misses: number; sets: number },
    private readonly format: ValueFormat,
  ) {
    this.keyPrefix = makeKeyPrefix(options.keyPrefix, options.version);
  }

  readEntry<T>(key: string): Promise<FoundEntry<T> | undefined> {
    const storeKey = this.keyPrefix + key;
    return this.guard.read('get', storeKey, (store) => store.get(storeKey), (text) => this.found<T>(text));
  }

  readEntryThen<T, R>(key: string, onFound: (found: FoundEntry<T> | undefined) => R): Promise<Awaited<R>> {
    const storeKey = this.keyPrefix + key;
    return this.guard.read('get', storeKey, (store) => store.get(storeKey), (text) => onFound(this.found<T>(text))) as Promise<Awaited<R>>;
  }

  async readEntries<T>(keys: string[]): Promise<Map<string, FoundEntry<T>>> {
    const storeKeys = keys.map((key) => this.keyPrefix + key);
    const texts = await this.guard.run('getMany', storeKeys, (store) => store.getMany(storeKeys), undefined, this.guard.batchBoundMs(keys.length));
    const found = new Map<string, FoundEntry<T>>();
    keys.forEach((key, i) => {
      const entry = this.found<T>(texts?.[i]);
      if (entry) found.set(key, entry);
    });
    return found;
  }

  writeEntry(key: string, value: unknown, timeout: Timeout, policy: GetOrSetPolicy): Promise<boolean> {
    const [storeKey, text, ttlMs] = this.entryFor(key, value, timeout, policy);
    if (ttlMs === 0) return this.guard.write('delete', storeKey, (store) => store.delete(storeKey), storeKey);
    this.counters.sets++;
    return this.guard.write('set', storeKey, (store) => store.set(storeKey, text, ttlMs), storeKey);
  }

  async writeEntries(entries: [string, unknown][], timeout: Timeout, policy: GetOrSetPolicy): Promise<boolean> {
    // setMany takes one TTL: entries written together share their times, so one TTL fits all.
    const now = Date.now();
    const written = entries.map(([key, value]) => this.entryFor(key, value, timeout, policy, now));
    const ttlMs = written[0][2];
    const storeKeys = written.map(([storeKey]) => storeKey);
    if (ttlMs === 0) return this.guard.write('deleteMany', storeKeys, (store) => store.deleteMany(storeKeys), storeKeys);
    this.counters.sets += written.length;
    const pairs = written.map(([storeKey, text]): [string, string] => [storeKey, text]);
    return this.guard.write('setMany', storeKeys, (store) => store.setMany(pairs, ttlMs), storeKeys, this.guard.batchBoundMs(pairs.length));
  }

  async rewriteStale(key: string, stale: FoundEntry<unknown>, freshUntil: number): Promise<boolean> {
    if (!stale.times) return false;
    const now = Date.now();
    const { staleUntil } = stale.times;
    if (staleUntil <= now) return false;
    const storeKey = this.keyPrefix + key;
    const text = wrapEntry(this.format.encode(stale.value), { bornAt: now, freshUntil: Math.min(freshUntil, staleUntil), staleUntil });
    return this.guard.write('set', storeKey, (store) => store.set(storeKey, text, staleUntil - now), storeKey);
  }

  copy<T>(value: T): T {
    return this.format.copy(value);
  }

  /** [store key, stored text, TTL in ms (null: never; 0: remove)]. */
  private entryFor(key: string, value: unknown, timeout: Timeout, policy: GetOrSetPolicy, now = Date.now()): [string, string, number | null] {
    const ttlMs = timeoutToMs(timeout, this.options.defaultTimeout);
    const encoded = encodeForStore(value, this.options.maxValueBytes, this.format);
    const storeKey = this.keyPrefix + key;
    // Without grace or refresh-ahead, or without an expiry to be stale after, the value is stored as a plain set stores it.
    if ((policy.grace === 0 && policy.refreshAhead === 0) || ttlMs === null || ttlMs === 0) return [storeKey, encoded, ttlMs];
    const times: EntryTimes = { bornAt: now, freshUntil: now + ttlMs, staleUntil: now + ttlMs + policy.grace * 1000 };
    return [storeKey, wrapEntry(encoded, times), times.staleUntil - now];
  }

  private found<T>(text: string | null | undefined): FoundEntry<T> | undefined {
    if (text === undefined || text === null) {
      this.counters.misses++;
      return undefined;
    }
    const read = readStoredText<T>(text, this.format);
    if (read === NOT_STORABLE) {
      this.counters.misses++;
      return undefined;
    }
    const fresh = read.times === undefined || Date.now() < read.times.freshUntil;
    // A stale entry is a miss to everyone but getOrSet's fallback.
    if (fresh) this.counters.hits++;
    else this.counters.misses++;
    return { value: read.value, fresh, times: read.times };
  }
}
