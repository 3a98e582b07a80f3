import { Inject, Injectable, Logger } from '@nestjs/common';
import { decodeStoredText, decodeValue, encodeValue, NOT_STORABLE, setOwn } from '../codec/value-codec';
import { usesRedis } from '../config/backend-kinds';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { CACHE_OPTIONS } from '../module/cache.tokens';
import type { CacheStats } from '../metrics/cache-stats';
import { GuardedStore } from '../resilience/guarded-store';
import { NotAnIntegerError, type CacheStore } from '../stores/cache-store';
import type { CacheBackendInfo } from './cache-backend-info';
import { CacheValueError } from './cache.errors';
import { assertValidKey, makeKeyPrefix } from './cache-key';
import { timeoutToMs } from './cache-timeout';

/** Timeout in seconds; `null` never expires; 0 or less stores nothing and removes the entry. */
export type CacheTimeout = number | null;

const MISS = Symbol('miss');

/**
 * The cache API of IdeaGraph, for Nest: Django's `cache` semantics on any backend.
 * Backend faults never throw out of here: every method has a documented fallback.
 * Caller mistakes (bad keys, unstorable values) throw CacheKeyError / CacheValueError.
 */
@Injectable()
export class CacheManagerService {
  private readonly logger = new Logger('IdeaGraphCache');
  private readonly keyPrefix: string;
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly counters = { hits: 0, misses: 0, sets: 0, deletes: 0 };

  /** @internal */
  constructor(
    @Inject(CACHE_OPTIONS) private readonly options: IdeaGraphCacheOptions,
    private readonly guard: GuardedStore,
  ) {
    this.keyPrefix = makeKeyPrefix(options.keyPrefix, options.version);
  }

  /** The stored value, or undefined on a miss or a backend fault. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** The stored value, or `defaultValue` on a miss or a backend fault: never undefined, so the result is a `T`. */
  get<T>(key: string, defaultValue: T): Promise<T>;
  get<T>(key: string, defaultValue?: T): Promise<T | undefined> {
    return this.read<T, T | undefined>(key, defaultValue);
  }


  /** Stores `value`; false if it did not reach the backend. */
  set(key: string, value: unknown, timeout?: CacheTimeout): Promise<boolean> {
    // Not async, to save a promise per call on the hot path; caller mistakes still reject.
    let ttlMs: number | null;
    let text: string;
    try {
      assertValidKey(key);
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
    const ttlMs = timeoutToMs(timeout, this.options.defaultTimeout);
    const text = this.encode(value);
    if (ttlMs === 0) return false;
    const storeKey = this.keyPrefix + key;
    const added = await this.guard.run('add', storeKey, (store) => store.add(storeKey, text, ttlMs), false);
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
    const text = this.encode(expected);
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
    const storeKeys = unique.map((key) => this.keyPrefix + key);
    const texts = await this.guard.run('getMany', storeKeys, (store) => store.getMany(storeKeys), undefined, this.guard.batchBoundMs(unique.length));
    if (!texts) {
      this.counters.misses += unique.length;
      return result;
    }
    for (let i = 0; i < unique.length; i++) {
      const text = texts[i];
      if (text === undefined) {
        this.counters.misses++;
        continue;
      }
      const value = decodeStoredText<T>(text);
      if (value === NOT_STORABLE) {
        this.counters.misses++;
        continue;
      }
      this.counters.hits++;
      setOwn(result, unique[i], value);
    }
    return result;
  }

  /** Stores every entry (one round trip on Redis); false if they did not reach the backend. */
  async setMany(entries: Record<string, unknown> | Map<string, unknown>, timeout?: CacheTimeout): Promise<boolean> {
    const pairs = entries instanceof Map ? [...entries] : Object.entries(entries ?? {});
    const ttlMs = timeoutToMs(timeout, this.options.defaultTimeout);
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
    const ms = await this.guard.run('ttl', storeKey, (store) => store.ttlMs(storeKey), undefined);
    if (ms === undefined || ms === null) return ms;
    return Math.ceil(ms / 1000);
  }

  /**
   * The cached value, or the factory's result, which is then stored. Concurrent callers for
   * one key in this process share a single factory call. A factory error reaches every
   * waiting caller and nothing is stored.
   */
  async getOrSet<T>(key: string, factory: () => T | Promise<T>, timeout?: CacheTimeout): Promise<T> {
    assertValidKey(key);
    timeoutToMs(timeout, this.options.defaultTimeout);
    // Checked before the read as well as after it: a read that started just before the
    // factory's write, and resumed after it finished, would otherwise run the factory again.
    const before = this.joinInflight<T>(key);
    if (before) return before;
    const found = await this.read<T, typeof MISS>(key, MISS);
    if (found !== MISS) return found;
    const after = this.joinInflight<T>(key);
    if (after) return after;
    // The factory starts on the next microtask, after the entry is registered: a factory
    // that throws synchronously would otherwise run the `finally` first, and the rejected
    // promise would then stay registered for the life of the process.
    const produced = Promise.resolve().then(async () => {
      try {
        const value = await factory();
        await this.set(key, value, timeout);
        return value;
      } finally {
        this.inflight.delete(key);
      }
    });
    this.inflight.set(key, produced);
    return produced;
  }

  /** A running factory call for `key`, if any. Each joiner gets its own copy, as from a read. */
  private joinInflight<T>(key: string): Promise<T> | undefined {
    const running = this.inflight.get(key) as Promise<T> | undefined;
    return running?.then((value) => decodeValue<T>(encodeValue(value)));
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
      ...(this.guard.store.tierStats ? { tiers: this.guard.store.tierStats() } : {}),
      latency: this.guard.latencies.summaries(),
    };
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
    const storeKey = this.keyPrefix + key;
    return this.guard.read('get', storeKey, (store) => store.get(storeKey), (text) => {
      if (text === undefined || text === null) {
        this.counters.misses++;
        if (Logger.isLevelEnabled('debug')) this.logger.debug(`miss ${key}`);
        return onMiss;
      }
      const value = decodeStoredText<T>(text);
      if (value === NOT_STORABLE) {
        this.counters.misses++;
        return onMiss;
      }
      this.counters.hits++;
      if (Logger.isLevelEnabled('debug')) this.logger.debug(`hit ${key}`);
      return value;
    });
  }

  private removeExpired(key: string): Promise<boolean> {
    const storeKey = this.keyPrefix + key;
    return this.guard.write('delete', storeKey, (store) => store.delete(storeKey), storeKey);
  }

  private encode(value: unknown): string {
    const text = encodeValue(value);
    // Characters are a lower bound on bytes; only count bytes when it could matter.
    if (text.length * 3 > this.options.maxValueBytes) {
      const bytes = Buffer.byteLength(text);
      if (bytes > this.options.maxValueBytes) {
        throw new CacheValueError(
          `value is ${bytes} bytes once encoded; the maximum is ${this.options.maxValueBytes} (CACHE_MAX_VALUE_BYTES)`,
          'TOO_LARGE',
        );
      }
    }
    return text;
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
