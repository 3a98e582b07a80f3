import { NotAnIntegerError, type CacheStore } from '../stores/cache-store';
import { OperationLatencies } from './operation-latencies';
import { BackendHealth } from './backend-health';
import type { BreakerState, CircuitBreaker } from './circuit-breaker';
import { CacheTimeoutError } from './deadline-queue';
import { classifyFault, isCommandError } from './fault-classifier';
import type { FaultLog } from './fault-log';
import { confirmed, faultAnswer, GuardBounds, identity } from './guard-bounds';
import { answerNear, readNow, staleFor } from './guard-reads';
import { GuardRecovery } from './guard-recovery';
import type { GuardCounters, GuardSettings, ProbeResult, RecoveryStats } from './guard-types';
import { LoopPacer } from './loop-pacer';
import { WriteRecovery, type WriteRepair } from './write-recovery';

export type { GuardCounters, GuardSettings, ProbeResult, RecoveryStats } from './guard-types';

/** Longest stretch in which fallbacks answered without I/O may keep the event loop from turning (see LoopPacer). */
const MAX_LOOP_GAP_MS = 10;

// One file on purpose (over 300 lines once formatted): run, read, write and probe are the
// call path every cache call takes, and the hit path was tuned by measurement to make no
// call across objects it does not need. Everything off that path is already elsewhere.

/**
 * The one place where backend faults are handled: every store call passes through here
 * and gets a time bound, a circuit breaker, throttled logging and, for writes, recovery.
 * A fault never reaches the caller; it gets the fallback its operation defines.
 *
 * This file holds the call path itself; the breaker's verdicts and the fault log are in
 * BackendHealth, the drain of failed writes in GuardRecovery, the bounds in GuardBounds,
 * and the reads answered in process in guard-reads.
 */
export class GuardedStore {
  readonly counters: GuardCounters;
  /** Per operation, how long calls took as their callers saw it, fallbacks included. */
  readonly latencies = new OperationLatencies();
  private readonly health: BackendHealth;
  /** The health's breaker, held here too: the call path checks it on every call. */
  private readonly breaker: CircuitBreaker;
  private readonly bounds: GuardBounds;
  private readonly recovery: WriteRecovery;
  private readonly recovering: GuardRecovery;
  private readonly pacer = new LoopPacer(MAX_LOOP_GAP_MS);
  private closed = false;

  constructor(
    readonly store: CacheStore,
    private readonly settings: GuardSettings,
    /** Also where the service reports stored values it could not read. */
    readonly faultLog: FaultLog,
  ) {
    this.bounds = new GuardBounds(settings.commandTimeoutMs);
    this.health = new BackendHealth(store, settings, faultLog, this.bounds);
    this.counters = this.health.counters;
    this.breaker = this.health.breaker;
    this.recovery = new WriteRecovery(
      { maxKeys: settings.recoveryMaxKeys, scopePrefix: settings.scopePrefix, backend: settings.backend },
      faultLog,
    );
    this.recovering = new GuardRecovery(store, this.recovery, this.health, this.bounds, settings.cooldownMs);
    store.onBackgroundError?.((error) => this.health.recordFault('connection', undefined, error));
    store.onReady?.(() => {
      this.breaker.expediteProbe();
      if (this.recovery.hasWork) this.recovering.scheduleDrain(0);
    });
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** Why the backend last failed, in a few words (never a secret). */
  get lastFault(): string | undefined {
    return this.health.lastFault;
  }

  get recoveryStats(): RecoveryStats {
    return { ...this.recovery.counters, pending: this.recovery.pending };
  }

  /** The bound for a call over `count` keys: one command bound, plus one per 1000 keys. */
  batchBoundMs(count: number): number {
    return this.bounds.batchMs(count);
  }

  /** The bound of a `clear()`: a SCAN over a large keyspace takes many short round trips. */
  get clearBoundMs(): number {
    return this.bounds.clearMs;
  }

  /**
   * Runs `call` against the store within the time bound. Resolves with its result, or with
   * `fallback` on any backend fault. Errors that describe a caller mistake are rethrown.
   * `keys` are the store keys the call reads or changes (for recovery, and for the log);
   * a write passes `repair`: what to delete once the backend answers, if this call fails.
   */
  run<T, F>(
    operation: string,
    keys: string | readonly string[] | undefined,
    call: (store: CacheStore) => Promise<T>,
    fallback: F,
    boundMs?: number,
    repair?: WriteRepair,
  ): Promise<T | F> {
    return this.execute(operation, keys, call, fallback, boundMs, identity, repair, undefined);
  }

  /**
   * Like `run` for a read whose answer is mapped at once: `toResult` gets the store's
   * answer, or undefined on any backend fault. Mapping here, not in a `.then` of the
   * caller, saves a promise layer on the hottest path (measured about 3 % of a Redis get).
   */
  read<T, R>(
    operation: string,
    key: string,
    call: (store: CacheStore) => Promise<T>,
    toResult: (answer: T | string | undefined) => R,
  ): Promise<R> {
    if (this.store.peek) {
      if (!this.store.remote) return readNow(this.store, this.health, this.latencies, operation, key, toResult);
      // A remote store with a tier in process (hybrid): what L1 holds needs no bound, breaker or promise of its own.
      const near = this.store.peek(key);
      if (near !== undefined) return answerNear(this.latencies, operation, near, toResult);
    }
    return this.execute<T | undefined, R, R>(operation, key, call, undefined as R, undefined, toResult, undefined, () =>
      toResult(staleFor(this.store, this.health, key)),
    );
  }

  /** Like `run` for writes: true once the store confirmed the write, false on any backend fault. */
  write(
    operation: string,
    keys: string | readonly string[] | undefined,
    call: (store: CacheStore) => Promise<unknown>,
    repair: WriteRepair,
    boundMs?: number,
  ): Promise<boolean> {
    return this.execute(operation, keys, call, false, boundMs, confirmed, repair, undefined);
  }

  /** A live round trip, bounded by `boundMs`. While the breaker is open, reports the last fault at once. */
  async probe(boundMs: number): Promise<ProbeResult> {
    if (this.store.remote && !this.breaker.admit(performance.now())) {
      return { ok: false, error: this.health.lastFault ?? 'unavailable' };
    }
    const started = process.hrtime.bigint();
    try {
      if (this.store.remote && this.recovery.hasWork) void this.recovering.recover();
      await (this.store.remote ? this.bounds.bounded(this.store.ping(), boundMs) : this.store.ping());
      const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (this.store.remote) this.health.answered(true);
      return { ok: true, latencyMs: Math.round(latencyMs * 1000) / 1000 };
    } catch (error) {
      if (!this.store.remote) return { ok: false, error: classifyFault(error) };
      this.health.recordFault('ping', undefined, error);
      this.health.failed(error);
      return { ok: false, error: this.health.lastFault ?? classifyFault(error) };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.health.closed = true;
    this.recovering.stop();
    this.bounds.expireAll();
    await this.store.close();
  }

  /** `onFault`: what a fault answers instead of `fallback` (see `read`). */
  private execute<T, R, F>(
    operation: string,
    keys: string | readonly string[] | undefined,
    call: (store: CacheStore) => Promise<T>,
    fallback: F,
    boundMs: number | undefined,
    onSuccess: (value: T) => R,
    repair: WriteRepair | undefined,
    onFault: (() => R) | undefined,
  ): Promise<R | F> {
    const started = performance.now();
    if (!this.store.remote) return this.runLocal(operation, keys, call, fallback, started, onSuccess, onFault);
    if (this.closed || !this.breaker.admit(started)) {
      try {
        return this.pacer.pace(this.shortCircuit(operation, started, fallback, onFault, repair), started);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    // Admitted while half-open: this call is the one probe of an open breaker.
    const probe = this.breaker.state === 'half-open';
    if (this.recovery.hasWork) {
      void this.recovering.recover();
      // A call that would read (or build on) a key a failed write meant to change waits for
      // the drain, at most one bound; one that overwrites it needs no wait. Other keys go on
      // at once: a drain stuck on one dead cluster node must not hold up the rest.
      if (keys !== undefined && repair === undefined && this.recovery.covers(keys)) {
        // This call may not reach Redis for a while (a scoped clear under load takes many
        // round trips): the breaker's probe must be a round trip of its own, or the breaker
        // would wait half-open on the drain, letting no call through.
        if (probe) this.health.probeByPing();
        return this.recovering
          .drained()
          .then((done) =>
            done
              ? this.callStore(
                  operation,
                  keys,
                  call,
                  fallback,
                  boundMs,
                  onSuccess,
                  onFault,
                  repair,
                  started,
                  false,
                  performance.now(),
                )
              : this.shortCircuit(operation, started, fallback, onFault, repair),
          );
      }
    }
    return this.callStore(
      operation,
      keys,
      call,
      fallback,
      boundMs,
      onSuccess,
      onFault,
      repair,
      started,
      probe,
      started,
    );
  }

  private callStore<T, R, F>(
    operation: string,
    keys: string | readonly string[] | undefined,
    call: (store: CacheStore) => Promise<T>,
    fallback: F,
    boundMs: number | undefined,
    onSuccess: (value: T) => R,
    onFault: (() => R) | undefined,
    repair: WriteRepair | undefined,
    started: number,
    probe: boolean,
    /** When the bound starts: the call's start, or the end of its wait for recovery. */
    boundFrom: number,
  ): Promise<R | F> {
    const bound = boundMs ?? this.settings.commandTimeoutMs;
    // One promise per call: the bound, the breaker, the timing and the fallback settle together.
    const sent = call(this.store);
    // While writes wait to be made good, a write to one of their keys must not be undone by a repair delete sent behind it.
    if (repair !== undefined && this.recovery.hasWork) void this.recovery.track(repair, sent);
    return this.bounds.deadline(bound).settle(
      sent,
      (value): R | F => {
        this.latencies.record(operation, performance.now() - started);
        this.health.answered(probe);
        // The write itself made its keys good.
        if (repair !== undefined && this.recovery.hasWork) this.recovery.forget(repair);
        return onSuccess(value);
      },
      (error): R | F => {
        this.latencies.record(operation, performance.now() - started);
        if (error instanceof NotAnIntegerError) {
          this.health.answered(probe);
          throw error;
        }
        if (repair !== undefined) this.recovering.rememberFailed(repair);
        this.health.recordFault(operation, keys, error);
        if (isCommandError(error)) this.health.answered(probe);
        // A batch or clear that outlives its loose bound is slow, not a sign of a dead
        // connection; as the probe it gives no verdict, and the next cool-down brings another.
        else if (error instanceof CacheTimeoutError && bound !== this.settings.commandTimeoutMs) {
          if (probe) this.breaker.reopenIfProbing(performance.now());
        } else this.health.failed(error);
        return faultAnswer(fallback, onFault);
      },
      boundFrom,
    );
  }

  private shortCircuit<R, F>(
    operation: string,
    started: number,
    fallback: F,
    onFault: (() => R) | undefined,
    repair: WriteRepair | undefined,
  ): R | F {
    this.counters.shortCircuited++;
    if (repair !== undefined) this.recovering.rememberFailed(repair);
    this.latencies.record(operation, performance.now() - started);
    return faultAnswer(fallback, onFault);
  }

  private runLocal<T, R, F>(
    operation: string,
    keys: string | readonly string[] | undefined,
    call: (store: CacheStore) => Promise<T>,
    fallback: F,
    started: number,
    onSuccess: (value: T) => R,
    onFault: (() => R) | undefined,
  ): Promise<R | F> {
    return call(this.store).then(
      (value): R | F => {
        this.latencies.record(operation, performance.now() - started);
        return onSuccess(value);
      },
      (error: unknown): R | F => {
        this.latencies.record(operation, performance.now() - started);
        if (error instanceof NotAnIntegerError) throw error;
        this.health.recordFault(operation, keys, error);
        return faultAnswer(fallback, onFault);
      },
    );
  }
}
