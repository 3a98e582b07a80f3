import type { CacheTimeout } from '../keys/cache-timeout';
import type { LockAttempt } from '../fleet/fleet-lock';
import type { KeyChangeFeed } from '../stores/key-change-feed';
import type { TagStamp } from '../tags/tag-versions';
import type { GetOrSetPolicy } from './get-or-set-options';
import type { EntryMeta } from './stored-entry';

// What getOrSet needs of the cache, as ports the service implements: the policies never
// import the service, and the flow's helpers (single flight, fleet claim, refresh-ahead)
// share these types without importing the flow.

/** Seconds, as everywhere in the cache; null never expires; undefined: CACHE_DEFAULT_TIMEOUT. */
type Timeout = CacheTimeout | undefined;

/** What a factory is told, and may change. */
export interface FactoryContext<T> {
  /** The key being computed. */
  readonly key: string;
  /** The stale value this call falls back on if the factory fails, or undefined. */
  readonly stale: T | undefined;
  /**
   * Seconds the result will be stored for (undefined: CACHE_DEFAULT_TIMEOUT). Set it from
   * inside the factory when the result knows its own lifetime, such as a token's expiry.
   */
  timeout: CacheTimeout | undefined;
}

export type Factory<T> = (context: FactoryContext<T>) => T | Promise<T>;

/** An entry as getOrSet sees it. */
export interface FoundEntry<T> {
  value: T;
  /** False once its timeout has passed (it is then served only as a fallback). */
  fresh: boolean;
  /** Only entries written with grace, refresh-ahead or tags carry metadata. */
  meta?: EntryMeta;
}

/** What the flow needs of the cache service. */
export interface EntryPort {
  readEntry<T>(key: string): Promise<FoundEntry<T> | undefined>;
  /** readEntry with its answer mapped inside the read (no promise of its own); `onFound` may return a promise to adopt. */
  readEntryThen<T, R>(key: string, onFound: (found: FoundEntry<T> | undefined) => R): Promise<Awaited<R>>;
  /**
   * Stores `value` for `timeout` (+ grace), with times when the policy needs them; false if it
   * did not reach the backend. Tags as names are stamped with their versions at the write;
   * a TagStamp keeps the versions it was read with.
   */
  writeEntry(
    key: string,
    value: unknown,
    timeout: Timeout,
    policy: GetOrSetPolicy | undefined,
    tags?: readonly string[] | TagStamp,
  ): Promise<boolean>;
  /** The current versions of `tags` (created where missing), or undefined when the backend does not answer. */
  readTagVersions(tags: readonly string[]): Promise<TagStamp | undefined>;
  /** Stores a stale value again as fresh until `freshUntil`, keeping its end of grace. */
  rewriteStale(key: string, stale: FoundEntry<unknown>, freshUntil: number): Promise<boolean>;
  /** A copy of `value`, as a read would give it. */
  copy<T>(value: T): T;
}

/** The fleet lock and the feed its waiters listen on; absent on backends of one process. */
export interface FleetPort {
  tryLock(key: string, ttlMs: number): Promise<LockAttempt>;
  feed: KeyChangeFeed | undefined;
  storeKey(key: string): string;
}

export interface GetOrSetCounters {
  /** Factory calls started in this process. */
  factoryCalls: number;
  /** Factory calls that threw (or rejected). */
  factoryErrors: number;
  /** Stale values returned because the factory failed, was slow, or another process was computing. */
  staleServes: number;
  /** Calls that returned a stale value at their soft timeout. */
  softTimeouts: number;
  /** Calls rejected with CacheFactoryTimeoutError. */
  hardTimeouts: number;
  /** Refresh-ahead factory calls started in the background. */
  backgroundRefreshes: number;
  /** Times this process waited for another process's factory call. */
  fleetLockWaits: number;
}

/** What a background refresh needs of the flow: its counters, its factory calls, and whether a key is being computed. */
export interface FactoryRunner {
  readonly counters: GetOrSetCounters;
  /** Runs `factory` for `key` in the factory scope, counted as a factory call. */
  callFactory<R>(key: string, factory: () => R | Promise<R>): Promise<R>;
  isComputing(key: string): boolean;
}
