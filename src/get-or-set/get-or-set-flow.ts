import type { CacheTimeout } from '../keys/cache-timeout';
import type { GetOrSetDefaults } from '../config/cache-options';
import { CacheFactoryError, CacheFactoryTimeoutError } from './get-or-set.errors';
import { resolvePolicy, type GetOrSetOptions, type GetOrSetPolicy } from './get-or-set-options';
import { FactoryScope } from './factory-scope';
import { claimOrWait, LOCK_SLACK_MS, type HeldLock } from './fleet-claim';
import { RefreshAhead } from './refresh-ahead';
import { stampBeforeFactory, UNSTAMPED } from './tag-stamp';
import { within } from './within';
import type { EntryPort, Factory, FactoryContext, FleetPort, FoundEntry, GetOrSetCounters } from './get-or-set-ports';

export type { EntryPort, Factory, FactoryContext, FleetPort, FoundEntry, GetOrSetCounters } from './get-or-set-ports';

/** Seconds, as everywhere in the cache; null never expires; undefined: CACHE_DEFAULT_TIMEOUT. */
type Timeout = CacheTimeout | undefined;

/** One computation of a key in this process: the fleet lock it holds, and whether its caller stopped waiting for it. */
interface Computation {
  lock?: HeldLock;
  abandoned: boolean;
}

/** The work of a call whose deadline passed before its factory could start: it ends without a result. */
class OutOfTime extends Error {}

/** What a getOrSetMany computation answers for a key its factory left out. */
export const NOT_PRODUCED: unique symbol = Symbol('not produced');

function notProduced(key: string): CacheFactoryError {
  return new CacheFactoryError(`the factory gave no value for key ${JSON.stringify(key)}`, 'INVALID_RESULT');
}

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
  private readonly scope = new FactoryScope();
  /** Per key, the release of a lock whose caller timed out: a later caller here waits for it, not for the lock's TTL. */
  private readonly releasing = new Map<string, Promise<void>>();

  private readonly refreshAhead: RefreshAhead;

  /** Hears each stale value served and why (the service logs it at debug level); unset, it costs one check. */
  onStaleServe: ((key: string, reason: string) => void) | undefined;

  constructor(
    private readonly entries: EntryPort,
    private readonly defaults: GetOrSetDefaults,
    private readonly fleet: FleetPort | undefined,
  ) {
    this.refreshAhead = new RefreshAhead(this, entries, fleet);
  }

  /** @internal Counts a stale value served for `key`, and tells onStaleServe why. */
  servedStale(key: string, reason: string): void {
    this.counters.staleServes++;
    this.onStaleServe?.(key, reason);
  }

  /**
   * Not async, and the hit is answered inside the read's own mapping: a hot key then costs
   * the one promise a get costs (measured: each extra layer showed in the bench).
   */
  getOrSet<T>(
    key: string,
    factory: Factory<T>,
    timeout: Timeout,
    options: GetOrSetOptions | undefined,
    startedAt = Date.now(),
  ): Promise<T> {
    let policy: GetOrSetPolicy;
    try {
      policy = resolvePolicy(this.defaults, options);
      if (this.scope.isInside(key)) {
        throw new CacheFactoryError(
          `the factory for key ${JSON.stringify(key)} called getOrSet on its own key, which would wait for itself forever`,
          'RECURSIVE',
        );
      }
    } catch (error) {
      return Promise.reject(error);
    }
    // The hard timeout counts from here: it is the longest this caller waits, whatever it waits for.
    const again = () => this.getOrSet(key, factory, timeout, options, startedAt);
    // Checked before the read as well as after it: a read that started just before the
    // factory's write, and resumed after it finished, would otherwise run the factory again.
    const before = this.join<T>(key, again);
    if (before) return before;
    return this.entries.readEntryThen<T, T | Promise<T>>(key, (found) => {
      if (found?.fresh) {
        if (policy.refreshAhead > 0 && found.meta)
          this.refreshAhead.ifDue(key, found, factory, timeout, policy, options?.tags);
        return found.value;
      }
      const after = this.join<T>(key, again);
      if (after) return after;
      const produced = this.produce(key, factory, timeout, policy, found, options?.tags, startedAt);
      this.share(key, produced);
      return produced;
    });
  }

  /**
   * The running computation of `key`, if any; each joiner gets its own copy, as from a
   * read. NOT_PRODUCED: a getOrSetMany factory left the key out, so the joiner computes it.
   */
  join<T>(key: string, recompute?: () => Promise<T>): Promise<T> | undefined {
    const running = this.inflight.get(key) as Promise<T | typeof NOT_PRODUCED> | undefined;
    return running?.then((value) =>
      value === NOT_PRODUCED ? (recompute?.() ?? Promise.reject(notProduced(key))) : this.entries.copy(value),
    );
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

  /** The factory's outcome for this caller, within its bounds; the lock wait counts against them too. */
  private produce<T>(
    key: string,
    factory: Factory<T>,
    timeout: Timeout,
    policy: GetOrSetPolicy,
    stale: FoundEntry<T> | undefined,
    tags: readonly string[] | undefined,
    startedAt: number,
  ): Promise<T> {
    const run: Computation = { abandoned: false };
    const work = this.compute(key, factory, timeout, policy, stale, tags, startedAt + policy.hardTimeoutMs, run);
    return this.bounded(key, work, policy, stale, startedAt, run);
  }

  /** Claims the fleet lock (or gets the value its holder stored), runs the factory and stores its result. */
  private async compute<T>(
    key: string,
    factory: Factory<T>,
    timeout: Timeout,
    policy: GetOrSetPolicy,
    stale: FoundEntry<T> | undefined,
    tags: readonly string[] | undefined,
    deadline: number,
    run: Computation,
  ): Promise<T> {
    if (policy.fleetLock && this.fleet) {
      // A lock that a timed-out call of this process is releasing is as good as free.
      await this.releasing.get(key);
      const claimed = await claimOrWait<T>(
        this.fleet,
        this.entries,
        this.counters,
        key,
        policy.hardTimeoutMs + LOCK_SLACK_MS,
        stale,
        deadline,
        (k, reason) => this.servedStale(k, reason),
      );
      if (claimed.kind === 'value') return claimed.value;
      if (claimed.kind === 'deadline') throw new OutOfTime();
      if (run.abandoned) {
        await claimed.lock?.release().catch(() => undefined);
        throw new OutOfTime();
      }
      run.lock = claimed.lock;
    }
    const context: FactoryContext<T> = { key, stale: stale?.value, timeout };
    try {
      const stamp = await stampBeforeFactory(this.entries, tags);
      const value = await this.callFactory(key, () => factory(context));
      if (stamp !== UNSTAMPED) await this.entries.writeEntry(key, value, context.timeout, policy, stamp);
      const lock = this.takeLock(run);
      if (lock) this.fleet?.feed?.announce(this.fleet.storeKey(key));
      // The value is stored already: waiters need not wait for the release.
      void lock?.release().catch(() => undefined);
      return value;
    } catch (error) {
      // A failure releases the lock before it reaches the caller: nothing of the call is left behind.
      await this.takeLock(run)
        ?.release()
        .catch(() => undefined);
      throw error;
    }
  }

  private takeLock(run: Computation): HeldLock | undefined {
    const lock = run.lock;
    run.lock = undefined;
    return lock;
  }

  /**
   * The caller stopped waiting for this computation (its hard timeout passed without a stale
   * value). Its factory runs on and stores what it returns, but no longer holds the fleet
   * lock: the next caller, here or in another process, computes the key within its own
   * bound instead of waiting for a factory that may never finish.
   */
  private abandon(key: string, run: Computation): void {
    run.abandoned = true;
    const lock = this.takeLock(run);
    if (!lock) return;
    // Announced, so the waiters of other processes try the lock at once instead of at their next poll.
    const released = lock.release().then(
      () => this.fleet?.feed?.announce(this.fleet.storeKey(key)),
      () => undefined,
    );
    this.releasing.set(key, released);
    void released.then(() => {
      if (this.releasing.get(key) === released) this.releasing.delete(key);
    });
  }

  /**
   * The computation's outcome within the caller's bounds, counted from its call: soft (or
   * hard) with a stale value to fall back on, hard without.
   */
  private async bounded<T>(
    key: string,
    work: Promise<T>,
    policy: GetOrSetPolicy,
    stale: FoundEntry<T> | undefined,
    startedAt: number,
    run: Computation,
  ): Promise<T> {
    if (!stale) {
      const outcome = await within(work, startedAt + policy.hardTimeoutMs - Date.now());
      if (outcome.kind === 'value') return outcome.value;
      if (outcome.kind === 'error' && !(outcome.error instanceof OutOfTime)) {
        this.counters.factoryErrors++;
        throw outcome.error;
      }
      this.counters.hardTimeouts++;
      this.abandon(key, run);
      work.catch((error: unknown) => {
        if (!(error instanceof OutOfTime)) this.counters.factoryErrors++;
      });
      throw new CacheFactoryTimeoutError(key, policy.hardTimeoutMs);
    }
    const soft = policy.softTimeoutMs > 0 && policy.softTimeoutMs < policy.hardTimeoutMs;
    const outcome = await within(work, startedAt + (soft ? policy.softTimeoutMs : policy.hardTimeoutMs) - Date.now());
    if (outcome.kind === 'value') return outcome.value;
    this.servedStale(
      key,
      outcome.kind === 'timeout'
        ? `the factory ran past its ${soft ? 'soft' : 'hard'} timeout`
        : 'the factory failed (fail-safe)',
    );
    if (outcome.kind === 'timeout') {
      if (soft) this.counters.softTimeouts++;
      else this.counters.hardTimeouts++;
      // It runs on, keeping the lock, and stores its result when it arrives: the fleet's one
      // refresh of the key, while everyone serves stale. A later failure keeps the stale value.
      work.catch(() => this.counters.factoryErrors++);
      return stale.value;
    }
    this.counters.factoryErrors++;
    // Fail-safe: fresh again for a short while, so a failing factory is not called on every request.
    await this.entries.rewriteStale(key, stale, Date.now() + policy.failSafeThrottle * 1000);
    return stale.value;
  }
}
