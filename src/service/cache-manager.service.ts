import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { NOT_STORABLE } from '../codec/value-codec';
import type { FrozenValueFormat } from '../codec/frozen-values';
import type { ValueFormat } from '../codec/value-format';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { cacheLogContext } from '../common/cache-name';
import { CACHE_NAME, CACHE_OPTIONS } from '../common/cache.tokens';
import type { CacheStats } from './cache-stats';
import type { LockStore } from '../fleet/fleet-lock';
import { GetOrSetFlow } from '../get-or-set/get-or-set-flow';
import type { ManyFactory } from '../get-or-set/get-or-set-many';
import type { GetOrSetOptions } from '../get-or-set/get-or-set-options';
import type { Factory, FleetPort } from '../get-or-set/get-or-set-ports';
import { StoredEntries } from '../get-or-set/stored-entries';
import { looksLikeEntry } from '../get-or-set/stored-entry';
import { TagCheck } from '../tags/tag-check';
import { invalidateTags } from '../tags/invalidate-tags';
import { TagVersions } from '../tags/tag-versions';
import { GuardedStore } from '../resilience/guarded-store';
import type { CacheBackendInfo } from './cache-backend-info';
import { assertValidKey, makeKeyPrefix } from '../keys/cache-key';
import { timeoutToMs, type CacheTimeout } from '../keys/cache-timeout';
import { encodeForStore } from '../codec/encode-for-store';
import { CacheBatch } from './cache-batch';
import type { CacheScope } from './cache-scope';
import { EntryReads } from './entry-reads';
import { SingleKeyCalls } from './single-key-calls';
import type { CachedResult, ServiceCounters, WriteOptions } from './cache-call.types';
import { cacheFleet } from './cache-fleet';
import { backendInfo, cacheStats } from './cache-report';
import { assertDelta, nullForUndefined } from './call-arguments';
import { staleServeLogger, warnKeylessCall, warnRefusedValue } from './cache-log-lines';
import { cacheValueFormats } from './cache-value-format';

export type { CachedResult, WriteOptions } from './cache-call.types';
export type { CacheTimeout } from '../keys/cache-timeout';

// One file on purpose (over 300 lines once formatted): it is the public API class, whose
// methods each carry their documentation and hand the work to a collaborator (CacheBatch,
// SingleKeyCalls, EntryReads, the getOrSet flow). Splitting it would split the API itself.

/**
 * The cache API of IdeaGraph, for Nest: Django's `cache` semantics on any backend.
 * Backend faults never throw out of here: every method has a documented fallback.
 * Caller mistakes (bad keys, unstorable values) throw CacheKeyError / CacheValueError.
 */
@Injectable()
export class CacheManagerService {
  private readonly logger: Logger;
  private readonly keyPrefix: string;
  private readonly counters: ServiceCounters = { hits: 0, misses: 0, sets: 0, deletes: 0, keylessCalls: 0 };
  private readonly flow: GetOrSetFlow;
  private readonly batch: CacheBatch;
  private readonly keys: SingleKeyCalls;
  private readonly reads: EntryReads;
  private readonly entries: StoredEntries;
  private readonly tagVersions: TagVersions;
  private readonly tagCheck: TagCheck;
  private readonly format: ValueFormat;
  /** Set with CACHE_L1_VALUES=frozen: the format, handing out frozen values. */
  private readonly frozen: FrozenValueFormat | undefined;
  /** @internal The fleet lock and key-change feed of this cache, shared by getOrSet and GraphTokenService. */
  readonly fleet: FleetPort;

  /** @internal */
  constructor(
    @Inject(CACHE_OPTIONS) private readonly options: IdeaGraphCacheOptions,
    private readonly guard: GuardedStore,
    @Optional() @Inject(CACHE_NAME) name?: string,
  ) {
    this.logger = new Logger(cacheLogContext(name));
    this.keyPrefix = makeKeyPrefix(options.keyPrefix, options.version);
    this.tagVersions = new TagVersions(this.keyPrefix);
    this.tagCheck = new TagCheck(guard, this.tagVersions);
    const formats = cacheValueFormats(options, (reason) =>
      warnRefusedValue(this.guard, this.keyPrefix, this.options.valueFormat, reason),
    );
    this.frozen = formats.frozen;
    this.format = formats.format;
    this.entries = new StoredEntries(guard, options, this.counters, this.tagVersions, this.tagCheck, this.format);
    // The fleet lock's keys are reserved (`~lock:`): it reaches them past the public checks.
    const locks: LockStore = {
      add: (key, value, timeout) => this.keys.addChecked(key, value, timeout),
      get: <T>(key: string) => this.readChecked<T, undefined>(key, undefined),
      deleteIfEquals: (key, expected) => this.keys.deleteIfEqualsChecked(key, expected),
    };
    this.fleet = cacheFleet(locks, guard, this.keyPrefix);
    // Backends of one process need no fleet: single flight in the process is all there is.
    this.flow = new GetOrSetFlow(this.entries, options.getOrSet, guard.store.remote ? this.fleet : undefined);
    const { keyPrefix, entries, flow, tagCheck, format, counters } = this;
    const scope: CacheScope = {
      options,
      keyPrefix,
      guard,
      entries,
      flow,
      tagCheck,
      format,
      counters,
      encode: (value) => this.encode(value),
    };
    this.batch = new CacheBatch(scope);
    this.keys = new SingleKeyCalls(scope);
    this.reads = new EntryReads(scope);
    this.flow.onStaleServe = staleServeLogger(this.logger);
  }

  /** The stored value, or undefined on a miss or a backend fault. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** The stored value, or `defaultValue` on a miss or a backend fault: never undefined, so the result is a `T`. */
  get<T>(key: string, defaultValue: T): Promise<T>;
  get<T>(key: string, defaultValue?: T): Promise<T | undefined> {
    return this.read<T, T | undefined>(key, defaultValue);
  }

  /** Stores `value`; false if it did not reach the backend. `options.tags`: see invalidateTags. */
  set(key: string, value: unknown, timeout?: CacheTimeout, options?: WriteOptions): Promise<boolean> {
    // Not async, to save a promise per call on the hot path; caller mistakes still reject.
    let ttlMs: number | null;
    let text: string;
    try {
      assertValidKey(key);
      if (options?.tags?.length) return this.entries.writeEntry(key, value, timeout, undefined, options.tags);
      ttlMs = timeoutToMs(timeout, this.options.defaultTimeout);
      text = this.encode(value);
    } catch (error) {
      return Promise.reject(error);
    }
    if (ttlMs === 0) return this.keys.removeExpired(key);
    this.counters.sets++;
    const storeKey = this.keyPrefix + key;
    return this.guard.write('set', storeKey, (store) => store.set(storeKey, text, ttlMs), storeKey);
  }

  /** Stores only if the key is absent (SET NX on Redis); true if it stored. */
  add(key: string, value: unknown, timeout?: CacheTimeout): Promise<boolean> {
    return this.keys.add(key, value, timeout);
  }

  /** True if the key is present (also for a stored null). */
  exists(key: string): Promise<boolean> {
    return this.keys.exists(key);
  }

  /** True if the key existed and was removed. */
  delete(key: string): Promise<boolean> {
    return this.keys.delete(key);
  }

  /**
   * Removes the key only if it still holds `expected` (compared as stored, atomically on
   * Redis); true if it removed it. The safe way to release a lock taken with `add`: a
   * lock that expired and was taken by another owner stays in place.
   */
  deleteIfEquals(key: string, expected: unknown): Promise<boolean> {
    return this.keys.deleteIfEquals(key, expected);
  }

  /**
   * @internal The value with the exact text it is stored as, for a compare-and-delete of
   * what was read (deleteIfStored): comparing the stored bytes, rather than the value
   * encoded again, costs nothing however the writer encoded it (Django shares repeated
   * objects through its memo; our encoder would expand them).
   */
  getWithStoredText<T>(key: string): Promise<{ value: T; text: string } | undefined> {
    return this.reads.getWithStoredText<T>(key);
  }

  /** @internal Removes the key only if it still holds exactly `text`, as getWithStoredText read it. */
  deleteIfStored(key: string, text: string): Promise<boolean> {
    return this.reads.deleteIfStored(key, text);
  }

  /** The keys that were found, with their values (one round trip on Redis). */
  getMany<T = unknown>(keys: string[]): Promise<Record<string, T>> {
    return this.batch.getMany<T>(keys);
  }

  /** Stores every entry (one round trip on Redis); false if they did not reach the backend. */
  setMany(
    entries: Record<string, unknown> | Map<string, unknown>,
    timeout?: CacheTimeout,
    options?: WriteOptions,
  ): Promise<boolean> {
    return this.batch.setMany(entries, timeout, options);
  }

  /** Removes every key; false if the backend could not be reached. */
  deleteMany(keys: string[]): Promise<boolean> {
    return this.batch.deleteMany(keys);
  }

  /** Adds `delta` atomically; the new value, or null if the key is absent or the backend failed. */
  incr(key: string, delta = 1): Promise<number | null> {
    return this.keys.incr(key, delta);
  }

  /** Subtracts `delta` atomically; the same rules as incr. */
  async decr(key: string, delta = 1): Promise<number | null> {
    assertDelta(delta);
    return this.incr(key, -delta);
  }

  /** Sets a new timeout on an existing key; false if it is absent. */
  touch(key: string, timeout?: CacheTimeout): Promise<boolean> {
    return this.keys.touch(key, timeout);
  }

  /** Seconds left (rounded up); null if it never expires; undefined if absent or on a fault. */
  ttl(key: string): Promise<number | null | undefined> {
    return this.reads.ttl(key);
  }

  /**
   * The cached value, or the factory's result, which is then stored. Concurrent callers
   * for one key share one factory call: in this process always, and with `fleetLock` (on
   * by default) across every process on redis and hybrid. `options` (defaults from the
   * module) add fail-safe grace, soft and hard factory timeouts and refresh-ahead; see
   * docs/get-or-set.md. Without a stale value to fall back on, a factory error reaches
   * every waiting caller, and a factory slower than `hardTimeoutMs` rejects with
   * CacheFactoryTimeoutError (it runs on, and stores its result when it finishes). A factory
   * result of undefined is stored and answered as null, from the first call on (CachedResult).
   */
  getOrSet<T>(
    key: string,
    factory: Factory<T>,
    timeout?: CacheTimeout,
    options?: GetOrSetOptions,
  ): Promise<CachedResult<T>> {
    try {
      assertValidKey(key);
      timeoutToMs(timeout, this.options.defaultTimeout);
    } catch (error) {
      return Promise.reject(error);
    }
    const value = this.flow.getOrSet(key, nullForUndefined(factory), timeout, options) as Promise<CachedResult<T>>;
    // The first caller gets the factory's own object; in frozen mode it too gets the shared frozen value.
    return this.frozen ? value.then((produced) => this.frozen!.handOut(produced)) : value;
  }

  /**
   * getOrSet for many keys: reads them all in one round trip, calls `factory(missingKeys)`
   * once for every key that is missing (or stale), stores its results in one round trip,
   * and returns a record over every key found or produced. A key the factory leaves out is
   * neither stored nor returned. Keys another call is computing in this process are joined.
   */
  getOrSetMany<T>(
    keys: string[],
    factory: ManyFactory<T>,
    timeout?: CacheTimeout,
    options?: GetOrSetOptions,
  ): Promise<Record<string, T>> {
    return this.batch.getOrSetMany(keys, factory, timeout, options);
  }

  /**
   * Makes every entry that carries one of `tags` a miss (or stale, within getOrSet's
   * grace), in every process, L1s included; false if the backend could not be reached
   * (the recovery then removes the tags' versions, which has the same effect once it can).
   */
  invalidateTags(tags: readonly string[]): Promise<boolean> {
    return invalidateTags(this.guard, this.tagVersions, tags);
  }

  /** Removes this cache's keys (prefix and version) only; never FLUSHDB. */
  async clear(): Promise<boolean> {
    const keyPrefix = this.keyPrefix;
    return this.guard.write(
      'clear',
      undefined,
      (store) => store.clear(keyPrefix),
      { clearPrefix: keyPrefix },
      this.guard.clearBoundMs,
    );
  }

  /** Counters, breaker state and latency percentiles per operation since startup. */
  getStats(): CacheStats {
    return cacheStats(this.options, this.counters, this.guard, this.flow.counters);
  }

  /**
   * @internal A decorated call that ran without the cache because no key could be made
   * from its arguments (decorators.md): counted, and logged throttled per method. The
   * reason can hold a caller's text, so it is escaped and shortened.
   */
  noteKeylessCall(where: string, reason: string): void {
    this.counters.keylessCalls++;
    warnKeylessCall(this.guard, where, reason);
  }

  /** Which backend is in use and how it is addressed, as IdeaGraph's get_backend_info; never a password. */
  getBackendInfo(): CacheBackendInfo {
    return backendInfo(this.options, this.guard);
  }

  /** The stored value, or `onMiss` on a miss or a backend fault. Not async, with one .then: every promise layer shows on the hot path. */
  private read<T, M>(key: string, onMiss: M): Promise<T | M> {
    try {
      assertValidKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.readChecked(key, onMiss);
  }

  private readChecked<T, M>(key: string, onMiss: M): Promise<T | M> {
    const storeKey = this.keyPrefix + key;
    // A mapping may answer a promise (a tagged entry's check): the read's promise adopts it.
    return this.guard.read<string | null | undefined, T | M | Promise<T | M>>(
      'get',
      storeKey,
      (store) => store.get(storeKey),
      (text) => {
        if (text === undefined || text === null) {
          this.counters.misses++;
          if (Logger.isLevelEnabled('debug')) this.logger.debug(`miss ${key}`);
          return onMiss;
        }
        // Entries with metadata (grace, tags) take the slower path; plain values never do.
        if (looksLikeEntry(text))
          return this.entries.resolveText<T, T | M>(text, (found) => (found?.fresh ? found.value : onMiss));
        const value = this.format.decode<T>(text);
        if (value === NOT_STORABLE) {
          this.counters.misses++;
          return onMiss;
        }
        this.counters.hits++;
        if (Logger.isLevelEnabled('debug')) this.logger.debug(`hit ${key}`);
        return value;
      },
    ) as Promise<T | M>;
  }

  private encode(value: unknown): string {
    return encodeForStore(value, this.options.maxValueBytes, this.format);
  }
}
