import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { logText } from '../common/log-text';
import { NOT_STORABLE, setOwn } from '../codec/value-codec';
import { createValueFormat, type ValueFormat } from '../codec/value-format';
import { usesRedis } from '../config/backend-kinds';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { cacheLogContext } from '../common/cache-name';
import { CACHE_NAME, CACHE_OPTIONS } from '../common/cache.tokens';
import type { CacheStats } from './cache-stats';
import { FleetLock, type LockStore } from '../fleet/fleet-lock';
import { GetOrSetFlow, type Factory, type FleetPort } from '../get-or-set/get-or-set-flow';
import { getOrSetMany, type ManyFactory } from '../get-or-set/get-or-set-many';
import type { GetOrSetOptions } from '../get-or-set/get-or-set-options';
import { fleetLockKey } from '../get-or-set/lock-key';
import { StoredEntries } from '../get-or-set/stored-entries';
import { isFresh, looksLikeEntry, readStoredText } from '../get-or-set/stored-entry';
import { TagCheck } from '../tags/tag-check';
import { TagVersions } from '../tags/tag-versions';
import { GuardedStore } from '../resilience/guarded-store';
import { NotAnIntegerError, type CacheStore } from '../stores/cache-store';
import type { CacheBackendInfo } from './cache-backend-info';
import { CacheValueError } from '../errors/cache.errors';
import { assertValidKey, makeKeyPrefix } from '../keys/cache-key';
import { timeoutToMs, type CacheTimeout } from '../keys/cache-timeout';
import { encodeForStore } from '../codec/encode-for-store';

/**
 * What getOrSet resolves for a factory of `T`: a factory that may return undefined (a row
 * not found) has its undefined stored, and answered, as null, as Django's get_or_set stores
 * None; JSON and pickle have no undefined. `unknown` and `any` stay as they are.
 */
export type CachedResult<T> = unknown extends T ? T : undefined extends T ? Exclude<T, undefined> | null : T;

export type { CacheTimeout } from '../keys/cache-timeout';

/** What set and setMany take after the timeout. */
export interface WriteOptions {
  /** Tags of the entry: `invalidateTags` makes every entry carrying one of them a miss, everywhere. */
  tags?: readonly string[];
}

/**
 * The cache API of IdeaGraph, for Nest: Django's `cache` semantics on any backend.
 * Backend faults never throw out of here: every method has a documented fallback.
 * Caller mistakes (bad keys, unstorable values) throw CacheKeyError / CacheValueError.
 */
@Injectable()
export class CacheManagerService {
  private readonly logger: Logger;
  private readonly keyPrefix: string;
  private readonly counters = { hits: 0, misses: 0, sets: 0, deletes: 0, keylessCalls: 0 };
  private readonly flow: GetOrSetFlow;
  private readonly entries: StoredEntries;
  private readonly tagVersions: TagVersions;
  private readonly tagCheck: TagCheck;
  private readonly format: ValueFormat;
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
    this.format = createValueFormat(options.valueFormat, (reason) => this.refusedValue(reason), options.maxValueBytes);
    this.entries = new StoredEntries(guard, options, this.counters, this.tagVersions, this.tagCheck, this.format);
    // The fleet lock's keys are reserved (`~lock:`): it reaches them past the public checks.
    const locks: LockStore = {
      add: (key, value, timeout) => this.addChecked(key, value, timeout),
      get: <T>(key: string) => this.readChecked<T, undefined>(key, undefined),
      deleteIfEquals: (key, expected) => this.deleteIfEqualsChecked(key, expected),
    };
    this.fleet = {
      tryLock: (key, ttlMs) => new FleetLock(locks, fleetLockKey(key), ttlMs).tryAcquire(),
      feed: guard.store.changeFeed,
      storeKey: (key) => this.keyPrefix + key,
    };
    // Backends of one process need no fleet: single flight in the process is all there is.
    this.flow = new GetOrSetFlow(this.entries, options.getOrSet, guard.store.remote ? this.fleet : undefined);
    // Counted in getStats() always; a line only when debug is on, so a fail-safe storm costs no I/O.
    this.flow.onStaleServe = (key, reason) => {
      if (Logger.isLevelEnabled('debug')) this.logger.debug(`getOrSet served a stale value of "${key}": ${reason}`);
    };
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
    if (ttlMs === 0) return this.removeExpired(key);
    this.counters.sets++;
    const storeKey = this.keyPrefix + key;
    return this.guard.write('set', storeKey, (store) => store.set(storeKey, text, ttlMs), storeKey);
  }

  /** Stores only if the key is absent (SET NX on Redis); true if it stored. */
  async add(key: string, value: unknown, timeout?: CacheTimeout): Promise<boolean> {
    assertValidKey(key);
    return this.addChecked(key, value, timeout);
  }

  private async addChecked(key: string, value: unknown, timeout?: CacheTimeout): Promise<boolean> {
    const ttlMs = timeoutToMs(timeout, this.options.defaultTimeout);
    const text = this.encode(value);
    if (ttlMs === 0) return false;
    const storeKey = this.keyPrefix + key;
    // An add that timed out may still land when Redis answers again (a fleet lock nobody
    // holds, for its whole TTL): once Redis is back, its own value is compare-and-deleted.
    // Never the key: another process may hold it by now (a live lock).
    const repair = { ownedKey: storeKey, value: text };
    const added = await this.guard.run('add', storeKey, (store) => store.add(storeKey, text, ttlMs), false, undefined, repair);
    if (added) this.counters.sets++;
    return added;
  }

  /** True if the key is present (also for a stored null). */
  async exists(key: string): Promise<boolean> {
    assertValidKey(key);
    const storeKey = this.keyPrefix + key;
    return this.guard.run('exists', storeKey, (store) => store.exists(storeKey), false);
  }

  /** True if the key existed and was removed. */
  async delete(key: string): Promise<boolean> {
    assertValidKey(key);
    this.counters.deletes++;
    const storeKey = this.keyPrefix + key;
    return this.guard.run('delete', storeKey, (store) => store.delete(storeKey), false, undefined, storeKey);
  }

  /**
   * Removes the key only if it still holds `expected` (compared as stored, atomically on
   * Redis); true if it removed it. The safe way to release a lock taken with `add`: a
   * lock that expired and was taken by another owner stays in place.
   */
  async deleteIfEquals(key: string, expected: unknown): Promise<boolean> {
    assertValidKey(key);
    return this.deleteIfEqualsChecked(key, expected);
  }

  private async deleteIfEqualsChecked(key: string, expected: unknown): Promise<boolean> {
    const text = this.encode(expected);
    const storeKey = this.keyPrefix + key;
    const deleted = await this.guard.run('deleteIfEquals', storeKey, (store) => store.deleteIfEquals(storeKey, text), false);
    if (deleted) this.counters.deletes++;
    return deleted;
  }

  /**
   * @internal The value with the exact text it is stored as, for a compare-and-delete of
   * what was read (deleteIfStored): comparing the stored bytes, rather than the value
   * encoded again, costs nothing however the writer encoded it (Django shares repeated
   * objects through its memo; our encoder would expand them).
   */
  async getWithStoredText<T>(key: string): Promise<{ value: T; text: string } | undefined> {
    assertValidKey(key);
    const storeKey = this.keyPrefix + key;
    const text = await this.guard.run('get', storeKey, (store) => store.get(storeKey), undefined);
    if (typeof text !== 'string') return undefined;
    const read = readStoredText<T>(text, this.format);
    if (read === NOT_STORABLE || !isFresh(read.meta)) return undefined;
    if (read.meta?.tags && !(await this.tagCheck.stillValid([read.meta]))[0]) return undefined;
    return { value: read.value, text };
  }

  /** @internal Removes the key only if it still holds exactly `text`, as getWithStoredText read it. */
  async deleteIfStored(key: string, text: string): Promise<boolean> {
    assertValidKey(key);
    const storeKey = this.keyPrefix + key;
    const deleted = await this.guard.run('deleteIfEquals', storeKey, (store) => store.deleteIfEquals(storeKey, text), false);
    if (deleted) this.counters.deletes++;
    return deleted;
  }

  /** The keys that were found, with their values (one round trip on Redis). */
  async getMany<T = unknown>(keys: string[]): Promise<Record<string, T>> {
    const unique = this.validKeys(keys);
    const result: Record<string, T> = {};
    if (unique.length === 0) return result;
    const found = await this.entries.readEntries<T>(unique);
    for (const key of unique) {
      const entry = found.get(key);
      if (entry?.fresh) setOwn(result, key, entry.value);
    }
    return result;
  }

  /** Stores every entry (one round trip on Redis); false if they did not reach the backend. */
  async setMany(entries: Record<string, unknown> | Map<string, unknown>, timeout?: CacheTimeout, options?: WriteOptions): Promise<boolean> {
    const pairs = entries instanceof Map ? [...entries] : Object.entries(entries ?? {});
    const ttlMs = timeoutToMs(timeout, this.options.defaultTimeout);
    if (options?.tags?.length && pairs.length > 0) {
      for (const [key] of pairs) assertValidKey(key);
      return this.entries.writeEntries(pairs, timeout, undefined, options.tags);
    }
    // Validate and encode everything first: one bad entry must not leave the others half-written.
    const encoded: [string, string][] = pairs.map(([key, value]) => {
      assertValidKey(key);
      return [this.keyPrefix + key, this.encode(value)];
    });
    if (encoded.length === 0) return true;
    if (ttlMs === 0) return this.deleteMany(pairs.map(([key]) => key));
    this.counters.sets += encoded.length;
    const storeKeys = encoded.map(([storeKey]) => storeKey);
    return this.guard.write('setMany', storeKeys, (store) => store.setMany(encoded, ttlMs), storeKeys, this.guard.batchBoundMs(encoded.length));
  }

  /** Removes every key; false if the backend could not be reached. */
  async deleteMany(keys: string[]): Promise<boolean> {
    const unique = this.validKeys(keys);
    if (unique.length === 0) return true;
    this.counters.deletes += unique.length;
    const storeKeys = unique.map((key) => this.keyPrefix + key);
    return this.guard.write('deleteMany', storeKeys, (store) => store.deleteMany(storeKeys), storeKeys, this.guard.batchBoundMs(storeKeys.length));
  }

  /** Adds `delta` atomically; the new value, or null if the key is absent or the backend failed. */
  async incr(key: string, delta = 1): Promise<number | null> {
    assertValidKey(key);
    assertDelta(delta);
    try {
      const storeKey = this.keyPrefix + key;
      return await this.guard.run('incr', storeKey, (store) => store.incrBy(storeKey, delta), null);
    } catch (error) {
      if (error instanceof NotAnIntegerError) {
        throw new CacheValueError(`cannot increment key ${JSON.stringify(key)}: ${error.message}`, 'NOT_AN_INTEGER');
      }
      throw error;
    }
  }

  /** Subtracts `delta` atomically; the same rules as incr. */
  async decr(key: string, delta = 1): Promise<number | null> {
    assertDelta(delta);
    return this.incr(key, -delta);
  }

  /** Sets a new timeout on an existing key; false if it is absent. */
  async touch(key: string, timeout?: CacheTimeout): Promise<boolean> {
    assertValidKey(key);
    const ttlMs = timeoutToMs(timeout, this.options.defaultTimeout);
    if (ttlMs === 0) {
      const storeKey = this.keyPrefix + key;
      return this.guard.run('touch', storeKey, (store) => store.delete(storeKey), false, undefined, storeKey);
    }
    const storeKey = this.keyPrefix + key;
    return this.guard.run('touch', storeKey, (store) => store.touch(storeKey, ttlMs), false);
  }

  /** Seconds left (rounded up); null if it never expires; undefined if absent or on a fault. */
  async ttl(key: string): Promise<number | null | undefined> {
    assertValidKey(key);
    const storeKey = this.keyPrefix + key;
    // Sent together (one round trip): an entry written with grace reports its logical time left.
    const [ms, text] = await Promise.all([
      this.guard.run('ttl', storeKey, (store) => store.ttlMs(storeKey), undefined),
      this.guard.run('ttl', storeKey, (store) => store.get(storeKey), undefined),
    ]);
    const read = typeof text === 'string' ? readStoredText(text, this.format) : NOT_STORABLE;
    if (read !== NOT_STORABLE && read.meta) {
      if (read.meta.tags && !(await this.tagCheck.stillValid([read.meta]))[0]) return undefined;
      const { freshUntil } = read.meta.times;
      if (freshUntil === null) return null;
      const left = freshUntil - Date.now();
      return left > 0 ? Math.ceil(left / 1000) : undefined;
    }
    if (ms === undefined || ms === null) return ms;
    return Math.ceil(ms / 1000);
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
  getOrSet<T>(key: string, factory: Factory<T>, timeout?: CacheTimeout, options?: GetOrSetOptions): Promise<CachedResult<T>> {
    try {
      assertValidKey(key);
      timeoutToMs(timeout, this.options.defaultTimeout);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.flow.getOrSet(key, nullForUndefined(factory), timeout, options) as Promise<CachedResult<T>>;
  }

  /**
   * getOrSet for many keys: reads them all in one round trip, calls `factory(missingKeys)`
   * once for every key that is missing (or stale), stores its results in one round trip,
   * and returns a record over every key found or produced. A key the factory leaves out is
   * neither stored nor returned. Keys another call is computing in this process are joined.
   */
  async getOrSetMany<T>(keys: string[], factory: ManyFactory<T>, timeout?: CacheTimeout, options?: GetOrSetOptions): Promise<Record<string, T>> {
    const unique = this.validKeys(keys);
    timeoutToMs(timeout, this.options.defaultTimeout);
    if (unique.length === 0) return {};
    return getOrSetMany(this.flow, this.entries, this.options.getOrSet, unique, factory, timeout, options);
  }

  /**
   * Makes every entry that carries one of `tags` a miss (or stale, within getOrSet's
   * grace), in every process, L1s included; false if the backend could not be reached
   * (the recovery then removes the tags' versions, which has the same effect once it can).
   */
  async invalidateTags(tags: readonly string[]): Promise<boolean> {
    if (!Array.isArray(tags)) throw new CacheValueError('tags must be an array of strings', 'UNSUPPORTED_TYPE');
    if (tags.length === 0) return true;
    const renewed = this.tagVersions.renewed(tags);
    const keys = renewed.map(([key]) => key);
    return this.guard.write('invalidateTags', keys, (store) => store.setMany(renewed, null), keys, this.guard.batchBoundMs(keys.length));
  }

  /** Removes this cache's keys (prefix and version) only; never FLUSHDB. */
  async clear(): Promise<boolean> {
    const keyPrefix = this.keyPrefix;
    return this.guard.write('clear', undefined, (store) => store.clear(keyPrefix), { clearPrefix: keyPrefix }, this.guard.clearBoundMs);
  }

  /** Counters, breaker state and latency percentiles per operation since startup. */
  getStats(): CacheStats {
    return {
      backend: this.options.backend,
      ...this.counters,
      ...this.guard.counters,
      breakerState: this.guard.breakerState,
      recovery: this.guard.recoveryStats,
      getOrSet: { ...this.flow.counters },
      ...(this.guard.store.tierStats ? { tiers: this.guard.store.tierStats() } : {}),
      latency: this.guard.latencies.summaries(),
    };
  }

  /**
   * @internal A decorated call that ran without the cache because no key could be made
   * from its arguments (decorators.md): counted, and logged throttled per method. The
   * reason can hold a caller's text, so it is escaped and shortened.
   */
  noteKeylessCall(where: string, reason: string): void {
    this.counters.keylessCalls++;
    this.guard.faultLog.throttledWarn(`keyless-call ${where}`, () => `${where}: no cache key for this call (${logText(reason, 200)}); the method ran without the cache`);
  }

  /** Which backend is in use and how it is addressed, as IdeaGraph's get_backend_info; never a password. */
  getBackendInfo(): CacheBackendInfo {
    const details = this.guard.store.describe();
    return {
      backend: this.options.backend,
      backendClass: String(details.backendClass),
      // The store knows the address REDIS_URL resolved to, the mode and the nodes; none of it is a secret.
      ...(usesRedis(this.options.backend) ? pick(details, (name) => name.startsWith('redis')) : {}),
      ...(this.options.backend === 'hybrid' ? pick(details, (name) => name === 'tiers' || name.startsWith('l1') || name.startsWith('bus')) : {}),
      keyPrefix: this.options.keyPrefix,
      version: this.options.version,
      defaultTimeout: this.options.defaultTimeout,
    };
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
    return this.guard.read<string | null | undefined, T | M | Promise<T | M>>('get', storeKey, (store) => store.get(storeKey), (text) => {
      if (text === undefined || text === null) {
        this.counters.misses++;
        if (Logger.isLevelEnabled('debug')) this.logger.debug(`miss ${key}`);
        return onMiss;
      }
      // Entries with metadata (grace, tags) take the slower path; plain values never do.
      if (looksLikeEntry(text)) return this.entries.resolveText<T, T | M>(text, (found) => (found?.fresh ? found.value : onMiss));
      const value = this.format.decode<T>(text);
      if (value === NOT_STORABLE) {
        this.counters.misses++;
        return onMiss;
      }
      this.counters.hits++;
      if (Logger.isLevelEnabled('debug')) this.logger.debug(`hit ${key}`);
      return value;
    }) as Promise<T | M>;
  }

  private removeExpired(key: string): Promise<boolean> {
    const storeKey = this.keyPrefix + key;
    return this.guard.write('delete', storeKey, (store) => store.delete(storeKey), storeKey);
  }

  private encode(value: unknown): string {
    return encodeForStore(value, this.options.maxValueBytes, this.format);
  }

  /** A stored text the value format does not read: a miss, and one throttled warning that names the cache, never the key or the text. */
  private refusedValue(reason: string): void {
    this.guard.faultLog.throttledWarn('refused-value', () =>
      `a value under "${this.keyPrefix}" was not read (${logText(reason, 200)}); it counts as a miss (CACHE_VALUE_FORMAT=${this.options.valueFormat})`,
    );
  }

  private validKeys(keys: string[]): string[] {
    if (!Array.isArray(keys)) throw new CacheValueError('keys must be an array of strings', 'UNSUPPORTED_TYPE');
    for (const key of keys) assertValidKey(key);
    return [...new Set(keys)];
  }
}

function pick(details: Record<string, unknown>, wanted: (name: string) => boolean): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([name]) => wanted(name)));
}

function assertDelta(delta: number): void {
  if (!Number.isSafeInteger(delta)) {
    throw new CacheValueError(`incr/decr delta must be a safe integer, got ${String(delta)}`, 'NOT_AN_INTEGER');
  }
}

/** The factory, with an undefined result turned into null (stored as JSON null, or pickled None). */
function nullForUndefined<T>(factory: Factory<T>): Factory<T> {
  return (context) => {
    const result = factory(context);
    if (result === undefined) return null as T;
    return isThenable(result) ? Promise.resolve(result).then((value) => (value === undefined ? (null as T) : value)) : result;
  };
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
