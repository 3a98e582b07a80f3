import { NotAnIntegerError, type CacheStore } from '../stores/cache-store';
import { OperationLatencies } from './operation-latencies';
import { CircuitBreaker, type BreakerState } from './circuit-breaker';
import { CacheTimeoutError, DeadlineQueue } from './deadline-queue';
import { classifyFault, isCommandError } from './fault-classifier';
import type { FaultLog } from './fault-log';
import { LoopPacer } from './loop-pacer';
import { repairKeys, WriteRecovery, type RecoveryCounters, type WriteRepair } from './write-recovery';

export interface GuardSettings {
  /** Display name of the backend in log lines ("redis", "locmem"). */
  backend: string;
  commandTimeoutMs: number;
  failureThreshold: number;
  cooldownMs: number;
  /** Most failed writes remembered for recovery (CACHE_RECOVERY_MAX_KEYS). */
  recoveryMaxKeys: number;
  /** This cache's `prefix:version:`: what an overflowing recovery queue clears. */
  scopePrefix: string;
}

export type ProbeResult = { ok: true; latencyMs: number } | { ok: false; error: string };

/** Counters the guard keeps for getStats and metrics. */
export interface GuardCounters {
  errors: number;
  timeouts: number;
  shortCircuited: number;
  /** Reads answered, on a backend fault, with what the process still held (the hybrid's L1). */
  staleIfError: number;
}

/** What getStats reports of the recovery of failed writes. */
export interface RecoveryStats extends RecoveryCounters {
  /** Keys and clears still waiting for the backend. */
  pending: number;
}

/** A recovery delete may take this many command bounds (it may first open connections to idle cluster masters). */
const DRAIN_BOUND_FACTOR = 5;

/** Longest stretch in which fallbacks answered without I/O may keep the event loop from turning (see LoopPacer). */
const MAX_LOOP_GAP_MS = 10;

/** Keys per extra command bound for a batch: 1000 keys measured about 4 ms of Redis time, so a bound per 1000 leaves wide room. */
const BATCH_KEYS_PER_BOUND = 1000;

/**
 * The one place where backend faults are handled: every store call passes through here
 * and gets a time bound, a circuit breaker, throttled logging and, for writes, recovery.
 * A fault never reaches the caller; it gets the fallback its operation defines.
 *
 * Only faults of the connection or of the server as a whole count towards the breaker.
 * An error reply about one command (WRONGTYPE, OOM ...) fails that call alone.
 */
export class GuardedStore {
  readonly counters: GuardCounters = { errors: 0, timeouts: 0, shortCircuited: 0, staleIfError: 0 };
  /** Per operation, how long calls took as their callers saw it, fallbacks included. */
  readonly latencies = new OperationLatencies();
  private readonly breaker: CircuitBreaker;
  private readonly recovery: WriteRecovery;
  private readonly pacer = new LoopPacer(MAX_LOOP_GAP_MS);
  /** One queue per bound length (commands, batches, clear, health probes). */
  private readonly deadlines = new Map<number, DeadlineQueue>();
  /** The drain of failed writes under way; calls that touch a remembered key wait for it. */
  private recovering: Promise<boolean> | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private inOutage = false;
  /** counters.shortCircuited when the current outage began. */
  private shortCircuitedBeforeOutage = 0;
  private lastFaultKind: string | undefined;

  constructor(
    readonly store: CacheStore,
    private readonly settings: GuardSettings,
    /** Also where the service reports stored values it could not read. */
    readonly faultLog: FaultLog,
  ) {
    this.breaker = new CircuitBreaker({ failureThreshold: settings.failureThreshold, cooldownMs: settings.cooldownMs });
    this.recovery = new WriteRecovery(
      { maxKeys: settings.recoveryMaxKeys, scopePrefix: settings.scopePrefix, backend: settings.backend },
      faultLog,
    );
    store.onBackgroundError?.((error) => this.recordFault('connection', undefined, error));
    store.onReady?.(() => {
      this.breaker.expediteProbe();
      if (this.recovery.hasWork) this.scheduleDrain(0);
    });
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** Why the backend last failed, in a few words (never a secret). */
  get lastFault(): string | undefined {
    return this.lastFaultKind;
  }

  get recoveryStats(): RecoveryStats {
    return { ...this.recovery.counters, pending: this.recovery.pending };
  }

  /** The bound for a call over `count` keys: one command bound, plus one per BATCH_KEYS_PER_BOUND keys. */
  batchBoundMs(count: number): number {
    return this.settings.commandTimeoutMs * (1 + Math.floor(count / BATCH_KEYS_PER_BOUND));
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
  read<T, R>(operation: string, key: string, call: (store: CacheStore) => Promise<T>, toResult: (answer: T | string | undefined) => R): Promise<R> {
    if (this.store.peek) {
      if (!this.store.remote) return this.readNow(operation, key, toResult);
      // A remote store with a tier in process (hybrid): what L1 holds needs no bound, breaker or promise of its own.
      const near = this.store.peek(key);
      if (near !== undefined) return this.answerNear(operation, near, toResult);
    }
    return this.execute<T | undefined, R, R>(operation, key, call, undefined as R, undefined, toResult, undefined, () => toResult(this.staleFor(key)));
  }

  private answerNear<R>(operation: string, text: string, toResult: (answer: string) => R): Promise<R> {
    const timed = this.latencies.sampleDue();
    const started = timed ? performance.now() : 0;
    try {
      const result = toResult(text);
      if (timed) this.latencies.record(operation, performance.now() - started);
      else this.latencies.recordUntimed(operation);
      return Promise.resolve(result);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** On a fault: what the store still holds in process for `key`, counted as stale-if-error. */
  private staleFor(key: string): string | undefined {
    const stale = this.store.peekStale?.(key);
    if (stale !== undefined) this.counters.staleIfError++;
    return stale;
  }

  /** `read` on an in-process store: synchronous, so the only promise is the one handed back. */
  private readNow<R>(operation: string, key: string, toResult: (answer: string | undefined) => R): Promise<R> {
    const timed = this.latencies.sampleDue();
    const started = timed ? performance.now() : 0;
    let answer: string | undefined;
    try {
      answer = this.store.peek!(key);
    } catch (error) {
      this.recordFault(operation, key, error);
    }
    if (timed) this.latencies.record(operation, performance.now() - started);
    else this.latencies.recordUntimed(operation);
    try {
      return Promise.resolve(toResult(answer));
    } catch (error) {
      return Promise.reject(error);
    }
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
      void this.recover();
      // A call that would read (or build on) a key a failed write meant to change waits for
      // the drain, at most one bound; one that overwrites it needs no wait. Other keys go on
      // at once: a drain stuck on one dead cluster node must not hold up the rest.
      if (keys !== undefined && repair === undefined && this.recovery.covers(keys)) {
        // This call may not reach Redis for a while (a scoped clear under load takes many
        // round trips): the breaker's probe must be a round trip of its own, or the breaker
        // would wait half-open on the drain, letting no call through.
        if (probe) this.probeByPing();
        return this.drained().then((done) =>
          done
            ? this.callStore(operation, keys, call, fallback, boundMs, onSuccess, onFault, repair, started, false, performance.now())
            : this.shortCircuit(operation, started, fallback, onFault, repair),
        );
      }
    }
    return this.callStore(operation, keys, call, fallback, boundMs, onSuccess, onFault, repair, started, probe, started);
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
    if (repair !== undefined && this.recovery.hasWork) this.recovery.track(repair, sent);
    return this.deadline(bound).settle(
      sent,
      (value): R | F => {
        this.latencies.record(operation, performance.now() - started);
        this.answered(probe);
        // The write itself made its keys good.
        if (repair !== undefined && this.recovery.hasWork) this.recovery.forget(repair);
        return onSuccess(value);
      },
      (error): R | F => {
        this.latencies.record(operation, performance.now() - started);
        if (error instanceof NotAnIntegerError) {
          this.answered(probe);
          throw error;
        }
        if (repair !== undefined) this.rememberFailed(repair);
        this.recordFault(operation, keys, error);
        if (isCommandError(error)) this.answered(probe);
        // A batch or clear that outlives its loose bound is slow, not a sign of a dead
        // connection; as the probe it gives no verdict, and the next cool-down brings another.
        else if (error instanceof CacheTimeoutError && bound !== this.settings.commandTimeoutMs) {
          if (probe) this.breaker.reopenIfProbing(performance.now());
        } else this.failed(error);
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
    if (repair !== undefined) this.rememberFailed(repair);
    this.latencies.record(operation, performance.now() - started);
    return faultAnswer(fallback, onFault);
  }

  private rememberFailed(repair: WriteRepair): void {
    // The store drops what it holds in process for the keys; an owned key is dropped like any other.
    this.store.discardLocal?.(typeof repair !== 'string' && 'ownedKey' in repair ? repairKeys(repair) : repair);
    this.recovery.remember(repair);
    this.scheduleDrain(this.settings.cooldownMs);
  }

  /** The backend answered; `probe` says the call was sent as the breaker's probe. */
  private answered(probe: boolean): void {
    // A late answer to a call sent before the breaker opened tells nothing about the
    // backend now (measured: after a stall, answers read from the socket buffer closed the
    // breaker 0.1 s into a SIGSTOP). Only the admitted probe closes it.
    if (this.breaker.state !== 'closed' && !probe) return;
    this.breaker.recordSuccess();
    if (this.inOutage) this.endOutage();
  }

  /** True once remembered writes are made good; false if that takes longer than one command bound. */
  private drained(): Promise<boolean> {
    return this.deadline(this.settings.commandTimeoutMs).settle(this.recover(), identity, () => false);
  }

  /** Starts draining remembered writes, once for all callers; resolves true if nothing is left. */
  private recover(): Promise<boolean> {
    if (!this.recovering) {
      // Looser than one command: the first delete after a cluster heals may have to open
      // connections to idle masters first (measured up to about 1 s on a busy machine).
      const bound = this.settings.commandTimeoutMs * DRAIN_BOUND_FACTOR;
      const drain = this.recovery
        .drain({
          deleteMany: (keys) => this.deadline(bound).settle(this.store.deleteMany(keys), confirmed, (error) => this.drainFailed(error)),
          deleteIfEquals: (key, value) => this.deadline(bound).settle(this.store.deleteIfEquals(key, value), identity, (error) => this.drainFailed(error)),
          clear: (prefix) => this.deadline(this.clearBoundMs).settle(this.store.clear(prefix), identity, rethrow),
        })
        .then(
          () => {
            this.answered(false);
            return true;
          },
          (error: unknown) => {
            this.recordFault('recovery', undefined, error);
            // A slow drain is not a dead connection; anything else counts as for any call.
            if (error instanceof CacheTimeoutError) this.breaker.reopenIfProbing(performance.now());
            else this.failed(error);
            return false;
          },
        );
      this.recovering = drain.finally(() => {
        this.recovering = undefined;
        if (this.recovery.hasWork) this.scheduleDrain(this.settings.cooldownMs);
      });
    }
    return this.recovering;
  }

  /**
   * A process that goes quiet after a failed write must still make it good: other
   * processes read those keys. So a timer retries the drain too. Calls do not depend on
   * it (a loop that only awaits cache calls may never let it run); it is unref'd, so it
   * never keeps the process alive.
   */
  private scheduleDrain(delayMs: number): void {
    if (this.closed || this.drainTimer) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined;
      if (this.closed || !this.recovery.hasWork || this.recovering) return;
      if (!this.breaker.admit(performance.now())) {
        this.scheduleDrain(this.settings.cooldownMs);
        return;
      }
      if (this.breaker.state === 'half-open') this.probeByPing();
      void this.recover();
    }, delayMs);
    this.drainTimer.unref();
  }

  /**
   * The breaker's probe when the call admitted as the probe cannot be it: one PING, sent
   * now, whose answer (or its absence within one command bound) is the verdict. A drain
   * cannot be the probe: a scoped clear is many round trips, and a breaker left half-open
   * meanwhile lets no call through (measured: stuck half-open for as long as the run lasted).
   */
  private probeByPing(): void {
    this.bounded(this.store.ping(), this.settings.commandTimeoutMs).then(
      () => this.answered(true),
      (error: unknown) => {
        this.recordFault('ping', undefined, error);
        if (isCommandError(error)) this.answered(true);
        else this.failed(error);
      },
    );
  }

  /** An error reply to a recovery delete cannot be cured by retrying: those keys are given up (false), logged, and the drain goes on. */
  private drainFailed(error: unknown): false {
    if (!isCommandError(error)) throw error;
    this.recordFault('recovery', undefined, error);
    return false;
  }

  /** The bound of a `clear()`: a SCAN over a large keyspace takes many short round trips. */
  get clearBoundMs(): number {
    return Math.max(this.settings.commandTimeoutMs * 50, 10_000);
  }

  /** A live round trip, bounded by `boundMs`. While the breaker is open, reports the last fault at once. */
  async probe(boundMs: number): Promise<ProbeResult> {
    if (this.store.remote && !this.breaker.admit(performance.now())) {
      return { ok: false, error: this.lastFaultKind ?? 'unavailable' };
    }
    const started = process.hrtime.bigint();
    try {
      if (this.store.remote && this.recovery.hasWork) void this.recover();
      await (this.store.remote ? this.bounded(this.store.ping(), boundMs) : this.store.ping());
      const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (this.store.remote) this.answered(true);
      return { ok: true, latencyMs: Math.round(latencyMs * 1000) / 1000 };
    } catch (error) {
      if (!this.store.remote) return { ok: false, error: classifyFault(error) };
      this.recordFault('ping', undefined, error);
      this.failed(error);
      return { ok: false, error: this.lastFaultKind ?? classifyFault(error) };
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.drainTimer) clearTimeout(this.drainTimer);
    for (const queue of this.deadlines.values()) queue.expireAll();
    await this.store.close();
  }

  private deadline(boundMs: number): DeadlineQueue {
    let queue = this.deadlines.get(boundMs);
    if (!queue) {
      queue = new DeadlineQueue(boundMs);
      this.deadlines.set(boundMs, queue);
    }
    return queue;
  }

  /** `call`, or a CacheTimeoutError after `boundMs`. */
  private bounded<T>(call: Promise<T>, boundMs: number): Promise<T> {
    return this.deadline(boundMs).settle(call, identity, rethrow);
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
        this.recordFault(operation, keys, error);
        return faultAnswer(fallback, onFault);
      },
    );
  }

  private recordFault(operation: string, keys: string | readonly string[] | undefined, error: unknown): void {
    if (this.closed) return;
    // "not connected" says less than the connection error that caused it: report and log
    // it as that cause, so a refused or rejected connection is one kind of line, not two.
    const classified = classifyFault(error);
    const kind = classified === 'not connected' && this.lastFaultKind !== undefined ? this.lastFaultKind : classified;
    this.counters.errors++;
    if (error instanceof CacheTimeoutError) this.counters.timeouts++;
    const commandError = isCommandError(error);
    if (!commandError) {
      this.lastFaultKind = kind;
      if (!this.inOutage) this.shortCircuitedBeforeOutage = this.counters.shortCircuited;
      this.inOutage = true;
    }
    // An error reply is logged by its own text (throttled per reply kind), so WRONGTYPE and OOM do not hide each other.
    const logKind = commandError ? `reply ${errorText(error).split(' ')[0]}` : kind;
    this.faultLog.fault(logKind, () => {
      const target = typeof keys === 'string' ? ` for key ${JSON.stringify(keys.length > 120 ? `${keys.slice(0, 120)}...` : keys)}` : keys ? ` for ${keys.length} keys` : '';
      const consequence = operation === 'connection' ? 'reconnecting' : 'the caller gets its fallback';
      return `${this.settings.backend} cache ${operation}${target} failed: ${commandError ? 'the server refused the command' : kind} (${errorText(error)}); ${consequence}`;
    });
  }

  private failed(error: unknown): void {
    if (this.closed) return;
    if (!this.breaker.recordFailure(performance.now())) return;
    this.faultLog.warn(
      `${this.settings.backend} cache: ${this.settings.failureThreshold} failures in a row; calls get their fallback at once for ${this.settings.cooldownMs} ms, then the next call probes the backend`,
    );
    // A connection that stopped answering (no RST ever came) is only noticed by a timeout: start a fresh one.
    if (error instanceof CacheTimeoutError) this.store.reset?.();
  }

  private endOutage(): void {
    this.inOutage = false;
    this.lastFaultKind = undefined;
    this.faultLog.recovered(`${this.settings.backend} cache`, this.counters.shortCircuited - this.shortCircuitedBeforeOutage);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What a call answers on a fault: its fallback, or (for `read`) the fallback mapped like an answer, since that may count a miss. */
function faultAnswer<R, F>(fallback: F, onFault: (() => R) | undefined): R | F {
  return onFault ? onFault() : fallback;
}

function identity<T>(value: T): T {
  return value;
}

function confirmed(): true {
  return true;
}

function rethrow(error: unknown): never {
  throw error;
}
