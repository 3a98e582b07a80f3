import type { CacheTimeout } from '../service/cache-manager.service';
import type { GetOrSetDefaults } from '../config/cache-options';
import type { LockAttempt } from '../fleet/fleet-lock';
import type { KeyChangeFeed } from '../fleet/key-change-feed';
import { markBackgroundRefresh } from './background-refresh';
import { CacheFactoryError, CacheFactoryTimeoutError } from './get-or-set.errors';
import { resolvePolicy, type GetOrSetOptions, type GetOrSetPolicy } from './get-or-set-options';
import { FactoryScope } from './factory-scope';
import type { EntryMeta } from './stored-entry';

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
  /** Stores `value` for `timeout` (+ grace), with times when the policy needs them; false if it did not reach the backend. */
  writeEntry(key: string, value: unknown, timeout: Timeout, policy: GetOrSetPolicy | undefined, tags?: readonly string[]): Promise<boolean>;
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

/** Beyond the hard timeout, the lock covers the read before and the write after the factory. */
const LOCK_SLACK_MS = 2000;
/** A fleet waiter looks again at least this often, even without a message (the fallback to the bus). */
const FLEET_POLL_MS = 250;

/** What a getOrSetMany computation answers for a key its factory left out. */
export const NOT_PRODUCED: unique symbol = Symbol('not produced');

function notProduced(key: string): CacheFactoryError {
  return new CacheFactoryError(`the factory gave no value for key ${JSON.stringify(key)}`, 'INVALID_RESULT');
}

type Bounded<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

/**
 * getOrSet and its policies: single flight in the process, the fleet lock across
 * processes, fail-safe with grace and throttle, soft and hard factory timeouts, and
 * refresh-ahead. docs/get-or-set.md shows each as a timeline.
 */
export class GetOrSetFlow {
  readonly counters: GetOrSetCounters = {
    factoryCalls: 0,
    factoryErrors: 0,
    staleServes: 0,
    softTimeouts: 0,
    hardTimeouts: 0,
    backgroundRefreshes: 0,
    fleetLockWaits: 0,
  };
  /** Per key, the call computing it in this process; its callers share it. */
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** Keys refreshed ahead, with the bornAt of the entry each refresh replaces. */
  private readonly refreshed = new Map<string, number>();
  private readonly scope = new FactoryScope();

  /** Hears each stale value served and why (the service logs it at debug level); unset, it costs one check. */
  onStaleServe: ((key: string, reason: string) => void) | undefined;

  constructor(
    private readonly entries: EntryPort,
    private readonly defaults: GetOrSetDefaults,
    private readonly fleet: FleetPort | undefined,
  ) {}

  /** @internal Counts a stale value served for `key`, and tells onStaleServe why. */
  servedStale(key: string, reason: string): void {
    this.counters.staleServes++;
    this.onStaleServe?.(key, reason);
  }

  /**
   * Not async, and the hit is answered inside the read's own mapping: a hot key then costs
   * the one promise a get costs (measured: each extra layer showed in the bench).
   */
  getOrSet<T>(key: string, factory: Factory<T>, timeout: Timeout, options: GetOrSetOptions | undefined): Promise<T> {
    let policy: GetOrSetPolicy;
    try {
      policy = resolvePolicy(this.defaults, options);
      if (this.scope.isInside(key)) {
        throw new CacheFactoryError(`the factory for key ${JSON.stringify(key)} called getOrSet on its own key, which would wait for itself forever`, 'RECURSIVE');
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const again = () => this.getOrSet(key, factory, timeout, options);
    // Checked before the read as well as after it: a read that started just before the
    // factory's write, and resumed after it finished, would otherwise run the factory again.
    const before = this.join<T>(key, again);
    if (before) return before;
    return this.entries.readEntryThen<T, T | Promise<T>>(key, (found) => {
      if (found?.fresh) {
        if (policy.refreshAhead > 0 && found.meta) this.refreshAheadIfDue(key, found, factory, timeout, policy, options?.tags);
        return found.value;
      }
      const after = this.join<T>(key, again);
      if (after) return after;
      const produced = this.produce(key, factory, timeout, policy, found, options?.tags);
      this.share(key, produced);
      return produced;
    }) as Promise<T>;
  }

  /**
   * The running computation of `key`, if any; each joiner gets its own copy, as from a
   * read. NOT_PRODUCED: a getOrSetMany factory left the key out, so the joiner computes it.
   */
  join<T>(key: string, recompute?: () => Promise<T>): Promise<T> | undefined {
    const running = this.inflight.get(key) as Promise<T | typeof NOT_PRODUCED> | undefined;
    return running?.then((value) => (value === NOT_PRODUCED ? (recompute?.() ?? Promise.reject(notProduced(key))) : this.entries.copy(value)));
  }

  /** Registers a computation of `key` run elsewhere (getOrSetMany), so getOrSet callers share it. */
  share(key: string, computation: Promise<unknown>): void {
    this.inflight.set(key, computation);
    const done = () => {
      if (this.inflight.get(key) === computation) this.inflight.delete(key);
    };
    computation.then(done, done);
  }

  isComputing(key: string): boolean {
    return this.inflight.has(key);
  }

  /** Runs `factory` as the factory of `key` (so a recursive getOrSet is caught), counted. */
  callFactory<R>(key: string, factory: () => R | Promise<R>): Promise<R> {
    this.counters.factoryCalls++;
    // On the next microtask: a factory that throws synchronously rejects like any other.
    return Promise.resolve().then(() => this.scope.run(key, factory));
  }

  private async produce<T>(
    key: string,
    factory: Factory<T>,
    timeout: Timeout,
    policy: GetOrSetPolicy,
    stale: FoundEntry<T> | undefined,
    tags: readonly string[] | undefined,
  ): Promise<T> {
    let lock: (LockAttempt & { kind: 'acquired' }) | undefined;
    if (policy.fleetLock && this.fleet) {
      const lockTtlMs = policy.hardTimeoutMs + LOCK_SLACK_MS;
      const claimed = await this.claimOrWait<T>(key, lockTtlMs, stale);
      if (claimed.kind === 'value') return claimed.value;
      lock = claimed.lock;
    }
    const context: FactoryContext<T> = { key, stale: stale?.value, timeout };
    const stored = this.callFactory(key, () => factory(context)).then(async (value) => {
      await this.entries.writeEntry(key, value, context.timeout, policy, tags);
      if (lock) this.fleet?.feed?.announce(this.fleet.storeKey(key));
      return value;
    });
    // A failure releases the lock before it reaches the caller (nothing of the call is
    // left behind); after a success the value is stored already, so waiters need not wait for the release.
    const released = stored.then(
      (value) => {
        void lock?.release().catch(() => undefined);
        return value;
      },
      async (error: unknown) => {
        await lock?.release().catch(() => undefined);
        throw error;
      },
    );
    return this.bounded(key, released, policy, stale);
  }

  /**
   * The fleet lock, or the value another process stored while this one waited on its lock.
   * With a stale value at hand there is no wait: the holder refreshes, this call serves stale.
   */
  private async claimOrWait<T>(
    key: string,
    lockTtlMs: number,
    stale: FoundEntry<T> | undefined,
  ): Promise<{ kind: 'value'; value: T } | { kind: 'lock'; lock?: LockAttempt & { kind: 'acquired' } }> {
    const fleet = this.fleet!;
    // The wait is bounded per holder, from when this process first saw it: a bound counted
    // from our own start would end while a holder that took the lock just after us, or one
    // that took over from a dead holder, still computes, and we would compute beside it.
    let holder: string | undefined;
    let giveUpAt = Date.now() + lockTtlMs;
    let waited = false;
    for (;;) {
      const attempt = await fleet.tryLock(key, lockTtlMs);
      if (attempt.kind === 'unavailable') return { kind: 'lock' };
      if (attempt.kind === 'acquired') {
        // The holder before may have stored and released between our read and our lock.
        const found = waited || stale === undefined ? await this.entries.readEntry<T>(key) : undefined;
        if (found?.fresh) {
          await attempt.release();
          return { kind: 'value', value: found.value };
        }
        return { kind: 'lock', lock: attempt };
      }
      if (stale) {
        this.servedStale(key, 'another process is computing it');
        return { kind: 'value', value: stale.value };
      }
      if (attempt.owner !== undefined && attempt.owner !== holder) {
        holder = attempt.owner;
        giveUpAt = Date.now() + lockTtlMs;
      }
      if (!waited) this.counters.fleetLockWaits++;
      waited = true;
      // A holder that died blocks only until its lock expires; then this process takes over.
      if (Date.now() >= giveUpAt) return { kind: 'lock' };
      await (fleet.feed?.wait(fleet.storeKey(key), Math.min(FLEET_POLL_MS, giveUpAt - Date.now())) ?? sleep(FLEET_POLL_MS));
      const found = await this.entries.readEntry<T>(key);
      if (found?.fresh) return { kind: 'value', value: found.value };
    }
  }

  /** The factory's outcome within its bounds: soft (or hard) with a stale value to fall back on, hard without. */
  private async bounded<T>(key: string, stored: Promise<T>, policy: GetOrSetPolicy, stale: FoundEntry<T> | undefined): Promise<T> {
    if (!stale) {
      const outcome = await within(stored, policy.hardTimeoutMs);
      if (outcome.kind === 'value') return outcome.value;
      if (outcome.kind === 'error') {
        this.counters.factoryErrors++;
        throw outcome.error;
      }
      this.counters.hardTimeouts++;
      stored.catch(() => this.counters.factoryErrors++);
      throw new CacheFactoryTimeoutError(key, policy.hardTimeoutMs);
    }
    const soft = policy.softTimeoutMs > 0 && policy.softTimeoutMs < policy.hardTimeoutMs;
    const outcome = await within(stored, soft ? policy.softTimeoutMs : policy.hardTimeoutMs);
    if (outcome.kind === 'value') return outcome.value;
    this.servedStale(key, outcome.kind === 'timeout' ? `the factory ran past its ${soft ? 'soft' : 'hard'} timeout` : 'the factory failed (fail-safe)');
    if (outcome.kind === 'timeout') {
      if (soft) this.counters.softTimeouts++;
      else this.counters.hardTimeouts++;
      // It runs on and stores its result when it arrives; a later failure keeps the stale value.
      stored.catch(() => this.counters.factoryErrors++);
      return stale.value;
    }
    this.counters.factoryErrors++;
    // Fail-safe: fresh again for a short while, so a failing factory is not called on every request.
    await this.entries.rewriteStale(key, stale, Date.now() + policy.failSafeThrottle * 1000);
    return stale.value;
  }

  /** Starts one background refresh of an entry past its refresh point; the callers keep the current value. */
  private refreshAheadIfDue<T>(
    key: string,
    found: FoundEntry<T>,
    factory: Factory<T>,
    timeout: Timeout,
    policy: GetOrSetPolicy,
    tags: readonly string[] | undefined,
  ): void {
    const { bornAt, freshUntil } = found.meta!.times;
    if (freshUntil === null || Date.now() < bornAt + policy.refreshAhead * (freshUntil - bornAt)) return;
    // One refresh per stored entry: a read that saw the old entry after its refresh finished must not start another.
    if (this.inflight.has(key) || (this.refreshed.get(key) ?? -1) >= bornAt) return;
    if (this.refreshed.size > 10_000) this.refreshed.clear();
    this.refreshed.set(key, bornAt);
    const refresh = (async () => {
      let lock: (LockAttempt & { kind: 'acquired' }) | undefined;
      if (policy.fleetLock && this.fleet) {
        const attempt = await this.fleet.tryLock(key, policy.hardTimeoutMs + LOCK_SLACK_MS);
        // Another process refreshes it: one refresh per key per fleet.
        if (attempt.kind === 'held') return found.value;
        if (attempt.kind === 'acquired') lock = attempt;
      }
      try {
        this.counters.backgroundRefreshes++;
        const context: FactoryContext<T> = markBackgroundRefresh({ key, stale: found.value, timeout });
        const value = await this.callFactory(key, () => factory(context));
        await this.entries.writeEntry(key, value, context.timeout, policy, tags);
        if (lock) this.fleet?.feed?.announce(this.fleet.storeKey(key));
        return value;
      } finally {
        await lock?.release();
      }
    })();
    // Callers keep getting the current value at once; a failed refresh keeps it too.
    refresh.catch(() => this.counters.factoryErrors++);
  }
}

export function within<T>(work: Promise<T>, ms: number): Promise<Bounded<T>> {
  return new Promise((resolve) => {
    // unref: a factory that hangs must not keep a process that is shutting down alive.
    const timer = setTimeout(() => resolve({ kind: 'timeout' }), ms).unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'value', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'error', error });
      },
    );
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
