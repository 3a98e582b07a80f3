import type { KeyChangeFeed } from './key-change-feed';
import type { WriteRepair } from './write-repair';
import type { TierStats } from './tier-stats';

/**
 * What every backend implements. Stores are deliberately dumb: they receive fully
 * formatted keys and encoded strings, and report faults by throwing. Key rules, value
 * encoding, time bounds, the circuit breaker and logging live above them
 * (CacheManagerService and GuardedStore), once for all backends.
 *
 * `ttlMs` is a positive number of milliseconds, or null for "never expires".
 */
export interface CacheStore {
  /** Talks over a network: calls need time bounds and a circuit breaker. */
  readonly remote: boolean;
  /** The stored text; null or undefined when absent (null lets a client's reply pass through unwrapped). */
  get(key: string): Promise<string | null | undefined>;
  getMany(keys: string[]): Promise<(string | undefined)[]>;
  /**
   * The stored text, read synchronously, as far as the store knows it without I/O. A read
   * that needs no I/O then costs no promise of its own (measured: two promise layers were
   * a third of a locmem get). For an in-process store undefined is a miss; for a remote
   * one (the hybrid's L1) it means "ask the backend".
   */
  peek?(key: string): string | undefined;
  /**
   * A number that changes whenever what `peek` could answer may have changed (any write,
   * delete, drop or clear of the store in process, whichever key), or undefined while `peek`
   * answers nothing. Lets a verdict drawn from peeks be kept until then.
   */
  peekEpoch?(): number | undefined;
  /**
   * What the store holds in process for `key` even when it cannot vouch for it (the
   * hybrid's L1 while the bus is down): served only when the backend fails, as stale-if-error.
   */
  peekStale?(key: string): string | undefined;
  /** A write did not reach the backend: forget what the process holds for its keys, so it is not served. */
  discardLocal?(repair: WriteRepair): void;
  /** Resolves once stored (with whatever the backend answered). */
  set(key: string, value: string, ttlMs: number | null): Promise<unknown>;
  /** Stores only if absent; true if it stored. */
  add(key: string, value: string, ttlMs: number | null): Promise<boolean>;
  setMany(entries: [string, string][], ttlMs: number | null): Promise<void>;
  /** True if the key existed. */
  delete(key: string): Promise<boolean>;
  /**
   * Deletes the key only if it holds exactly `value`, atomically; true if it deleted.
   * Releases a lock without removing one that expired and was taken by someone else.
   */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  deleteMany(keys: string[]): Promise<number>;
  exists(key: string): Promise<boolean>;
  /** Adds delta to a stored integer, keeping its expiry. null if the key is absent. Throws NotAnIntegerError. */
  incrBy(key: string, delta: number): Promise<number | null>;
  /** Sets a new expiry; false if the key is absent. */
  touch(key: string, ttlMs: number | null): Promise<boolean>;
  /** Milliseconds left; null = never expires; undefined = absent. */
  ttlMs(key: string): Promise<number | null | undefined>;
  /** Deletes every key that starts with `keyPrefix`; returns how many. */
  clear(keyPrefix: string): Promise<number>;
  /** A live round trip. */
  ping(): Promise<void>;
  /** Backend-specific details for getBackendInfo (never a secret). */
  describe(): Record<string, unknown>;
  close(): Promise<void>;
  /** Opens the connection; resolves once the backend answers, rejects with the connection error. */
  connect?(): Promise<void>;
  /** Once connected at startup: throws if the store cannot run as configured (hybrid: CACHE_L1_INVALIDATION=tracking where Redis will not track). */
  verifyStartup?(): Promise<void>;
  /** True while the connection is open and ready. */
  readonly isReady?: boolean;
  /** Redis-backed stores: how fleet-lock waiters learn that the holder stored its value. */
  readonly changeFeed?: KeyChangeFeed;
  /** Stores of several tiers: their counters, for getStats. */
  tierStats?(): TierStats;
  /** Reports faults that happen outside any call (a dropped connection, a failed reconnect). */
  onBackgroundError?(listener: (error: unknown) => void): void;
  /** Reports that the backend is reachable again, so an open breaker can probe at once. */
  onReady?(listener: () => void): void;
  /** Drops the connection and opens a new one (a connection that stopped answering). */
  reset?(): void;
  /** For a backend of several nodes (Redis Cluster): how many answered the last ping. */
  nodeCensus?(): { up: number; total: number; masters: { up: number; total: number } } | undefined;
}

/** DI token for the active store. */
export const CACHE_STORE = Symbol('IDEAGRAPH_CACHE_STORE');

/** The stored value is not an integer, so it cannot be incremented. */
export class NotAnIntegerError extends Error {
  override readonly name = 'NotAnIntegerError';
}
