import { NOT_STORABLE } from '../codec/value-codec';
import type { ValueFormat } from '../codec/value-format';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import type { GuardedStore } from '../resilience/guarded-store';
import { makeKeyPrefix } from '../keys/cache-key';
import type { TagCheck } from '../tags/tag-check';
import type { TagStamp, TagVersions } from '../tags/tag-versions';
import type { FoundEntry } from './get-or-set-ports';
import type { ManyEntryPort } from './get-or-set-many';
import type { GetOrSetPolicy } from './get-or-set-options';
import { EntryHeaders } from './entry-headers';
import { prepareWrite, type PreparedWrite, type WriteContext } from './entry-writes';
import { isFresh, readStoredText, unwrapEntry, wrapEntry, type EntryMeta, type UnwrappedEntry } from './stored-entry';

type Timeout = number | null | undefined;

/**
 * How entries are read and written through the guard: with metadata when they need it
 * (a logical expiry for grace or refresh-ahead, tags), as plain values otherwise. Keys
 * are validated by the service before they get here.
 */
export class StoredEntries implements ManyEntryPort {
  private readonly keyPrefix: string;
  private readonly unwrap: (text: string) => UnwrappedEntry | null;
  private readonly writes: WriteContext;

  constructor(
    private readonly guard: GuardedStore,
    private readonly options: IdeaGraphCacheOptions,
    private readonly counters: { hits: number; misses: number; sets: number },
    private readonly versions: TagVersions,
    private readonly tagCheck: TagCheck,
    private readonly format: ValueFormat,
  ) {
    this.keyPrefix = makeKeyPrefix(options.keyPrefix, options.version);
    this.unwrap = EntryHeaders.forBackend(options)?.unwrap ?? unwrapEntry;
    this.writes = { keyPrefix: this.keyPrefix, options, versions, format };
  }

  readEntry<T>(key: string): Promise<FoundEntry<T> | undefined> {
    return this.readEntryThen<T, FoundEntry<T> | undefined>(key, (found) => found);
  }

  readEntryThen<T, R>(key: string, onFound: (found: FoundEntry<T> | undefined) => R): Promise<Awaited<R>> {
    const storeKey = this.keyPrefix + key;
    // A tagged entry costs one more read, of its tags' versions (from L1 on hybrid).
    return this.guard.read(
      'get',
      storeKey,
      (store) => store.get(storeKey),
      (text) =>
        text === undefined || text === null ? onFound(this.count(undefined)) : this.resolveText<T, R>(text, onFound),
    ) as Promise<Awaited<R>>;
  }

  /** The read of a text that carries metadata, mapped by `onFound`; a promise only when its tags must be checked. */
  resolveText<T, R>(text: string, onFound: (found: FoundEntry<T> | undefined) => R): R | Promise<R> {
    const found = this.found<T>(text);
    if (!found?.meta?.tags) {
      this.count(found);
      return onFound(found);
    }
    const near = this.tagCheck.peekValid(found.meta);
    if (near !== undefined) return onFound(this.count(near ? found : this.invalidated(found)));
    return this.tagCheck
      .stillValidOne(found.meta)
      .then((valid) => onFound(this.count(valid ? found : this.invalidated(found))));
  }

  async readEntries<T>(keys: string[]): Promise<Map<string, FoundEntry<T>>> {
    const storeKeys = keys.map((key) => this.keyPrefix + key);
    const texts = await this.guard.run(
      'getMany',
      storeKeys,
      (store) => store.getMany(storeKeys),
      undefined,
      this.guard.batchBoundMs(keys.length),
    );
    const found = new Map<string, FoundEntry<T>>();
    const tagged: [string, FoundEntry<T>][] = [];
    keys.forEach((key, i) => {
      const entry = this.found<T>(texts?.[i]);
      const near = entry?.meta?.tags ? this.tagCheck.peekValid(entry.meta) : undefined;
      if (near !== undefined) {
        const kept = this.count(near ? entry : this.invalidated(entry!));
        if (kept) found.set(key, kept);
      } else if (entry?.meta?.tags) tagged.push([key, entry]);
      else if (entry !== undefined || texts) {
        const kept = this.count(entry);
        if (kept) found.set(key, kept);
      }
    });
    if (tagged.length > 0) {
      const valid = await this.tagCheck.stillValid(tagged.map(([, entry]) => entry.meta!));
      tagged.forEach(([key, entry], i) => {
        const kept = this.count(valid[i] ? entry : this.invalidated(entry));
        if (kept) found.set(key, kept);
      });
    }
    return found;
  }

  async readTagVersions(tags: readonly string[]): Promise<TagStamp | undefined> {
    const keys = this.versions.storeKeys(tags);
    const versions = await this.guard.run(
      'getMany',
      keys,
      (store) => this.versions.forWrite(store, tags),
      undefined,
      this.guard.batchBoundMs(keys.length),
    );
    return versions && { versions };
  }

  writeEntry(
    key: string,
    value: unknown,
    timeout: Timeout,
    policy: GetOrSetPolicy | undefined,
    tags?: readonly string[] | TagStamp,
  ): Promise<boolean> {
    const write = prepareWrite(this.writes, key, value, timeout, policy, tags);
    if (write.ttlMs === 0)
      return this.guard.write('delete', write.storeKey, (store) => store.delete(write.storeKey), write.storeKey);
    this.counters.sets++;
    return this.guard.write(
      'set',
      write.storeKey,
      async (store) => store.set(write.storeKey, await write.text(store), write.ttlMs),
      write.storeKey,
    );
  }

  writeEntries(
    entries: [string, unknown][],
    timeout: Timeout,
    policy: GetOrSetPolicy | undefined,
    tags?: readonly string[] | TagStamp,
  ): Promise<boolean> {
    return this.writePrepared(this.prepareAll(entries, timeout, policy, tags));
  }

  /**
   * writeEntries, then a copy of each value as a read would give it, decoded from the text
   * already encoded for the store: encoding every value a second time just to copy it cost
   * as much as the encode for the store (docs/benchmarks.md, getOrSetMany).
   */
  async writeEntriesCopied<T>(
    entries: [string, T][],
    timeout: Timeout,
    policy: GetOrSetPolicy | undefined,
    tags?: readonly string[] | TagStamp,
  ): Promise<Map<string, T>> {
    const writes = this.prepareAll(entries, timeout, policy, tags);
    await this.writePrepared(writes);
    return new Map(entries.map(([key, value], i) => [key, this.decodedCopy(writes[i].encoded, value)]));
  }

  private prepareAll(
    entries: [string, unknown][],
    timeout: Timeout,
    policy: GetOrSetPolicy | undefined,
    tags?: readonly string[] | TagStamp,
  ): PreparedWrite[] {
    // setMany takes one TTL: entries written together share their times, so one TTL fits all.
    const now = Date.now();
    return entries.map(([key, value]) => prepareWrite(this.writes, key, value, timeout, policy, tags, now));
  }

  private writePrepared(writes: PreparedWrite[]): Promise<boolean> {
    const ttlMs = writes[0].ttlMs;
    const storeKeys = writes.map((write) => write.storeKey);
    if (ttlMs === 0)
      return this.guard.write('deleteMany', storeKeys, (store) => store.deleteMany(storeKeys), storeKeys);
    this.counters.sets += writes.length;
    return this.guard.write(
      'setMany',
      storeKeys,
      async (store) =>
        store.setMany(
          await Promise.all(
            writes.map(async (write): Promise<[string, string]> => [write.storeKey, await write.text(store)]),
          ),
          ttlMs,
        ),
      storeKeys,
      this.guard.batchBoundMs(writes.length),
    );
  }

  private decodedCopy<T>(encoded: string, value: T): T {
    const decoded = this.format.decode<T>(encoded);
    return decoded === NOT_STORABLE ? this.copy(value) : decoded;
  }

  async rewriteStale(key: string, stale: FoundEntry<unknown>, freshUntil: number): Promise<boolean> {
    const staleUntil = stale.meta?.times.staleUntil;
    const now = Date.now();
    if (staleUntil === undefined || staleUntil === null || staleUntil <= now) return false;
    const storeKey = this.keyPrefix + key;
    const meta: EntryMeta = {
      times: { bornAt: now, freshUntil: Math.min(freshUntil, staleUntil), staleUntil },
      tags: stale.meta?.tags,
    };
    const text = wrapEntry(this.format.encode(stale.value), meta, this.format.binary);
    return this.guard.write('set', storeKey, (store) => store.set(storeKey, text, staleUntil - now), storeKey);
  }

  copy<T>(value: T): T {
    return this.format.copy(value);
  }

  /** The decoded entry (not yet counted): undefined for absent or unreadable text. */
  private found<T>(text: string | null | undefined): FoundEntry<T> | undefined {
    if (text === undefined || text === null) return undefined;
    const read = readStoredText<T>(text, this.format, this.unwrap);
    if (read === NOT_STORABLE) return undefined;
    // Past its grace an entry is gone, even where a copy outlives it by a moment (an L1 filled just after Redis stored it).
    const staleUntil = read.meta?.times.staleUntil;
    const now = Date.now();
    if (staleUntil !== undefined && staleUntil !== null && now >= staleUntil) return undefined;
    return { value: read.value, fresh: isFresh(read.meta, now), meta: read.meta };
  }

  /** A tagged entry whose tag was invalidated: stale within grace, otherwise gone. */
  private invalidated<T>(entry: FoundEntry<T>): FoundEntry<T> | undefined {
    const staleUntil = entry.meta?.times.staleUntil;
    const withinGrace =
      staleUntil !== undefined &&
      staleUntil !== null &&
      entry.meta!.times.freshUntil !== staleUntil &&
      Date.now() < staleUntil;
    return withinGrace ? { ...entry, fresh: false } : undefined;
  }

  /** Counts the read as the service counts reads: stale entries are misses to everyone but getOrSet's fallback. */
  private count<T>(entry: FoundEntry<T> | undefined): FoundEntry<T> | undefined {
    if (entry?.fresh) this.counters.hits++;
    else this.counters.misses++;
    return entry;
  }
}
