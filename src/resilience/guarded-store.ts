import { NotAnIntegerError, type CacheStore } from '../stores/cache-store';
import { OperationLatencies } from '../metrics/operation-latencies';
import { CircuitBreaker, type BreakerState } from './circuit-breaker';
import { CacheTimeoutError, DeadlineQueue } from './deadline-queue';
import { classifyFault } from './fault-classifier';
import type { FaultLog } from './fault-log';

export interface GuardSettings {
  /** Display name of the backend in log lines ("redis", "locmem"). */
  backend: string;
  commandTimeoutMs: number;
  failureThreshold: number;
  cooldownMs: number;
}

export type ProbeResult = { ok: true; latencyMs: number } | { ok: false; error: string };

/** Counters the guard keeps for getStats and metrics. */
export interface GuardCounters {
  errors: number;
  timeouts: number;
  shortCircuited: number;
}

/**
 * The one place where backend faults are handled: every store call passes through here
 * and gets a time bound, a circuit breaker and throttled logging. A fault never reaches
 * the caller; it gets the fallback its operation defines.
 */
export class GuardedStore {
  readonly counters: GuardCounters = { errors: 0, timeouts: 0, shortCircuited: 0 };
  /** Per operation, how long calls took as their callers saw it, fallbacks included. */
  readonly latencies = new OperationLatencies();
  private readonly breaker: CircuitBreaker;
  /** One queue per bound length (commands, clear, health probes). */
  private readonly deadlines = new Map<number, DeadlineQueue>();
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private closed = false;
  private inOutage = false;
  /** counters.shortCircuited when the current outage began. */
  private shortCircuitedBeforeOutage = 0;
  private lastFaultKind: string | undefined;

  constructor(
    readonly store: CacheStore,
    private readonly settings: GuardSettings,
    private readonly faultLog: FaultLog,
  ) {
    this.breaker = new CircuitBreaker({ failureThreshold: settings.failureThreshold });
    store.onBackgroundError?.((error) => this.recordFault('connection', undefined, error));
    store.onReady?.(() => {
      if (!this.breaker.allowsCalls()) this.probeSoon(0);
    });
  }

  get breakerState(): BreakerState {
    return this.breaker.state;
  }

  /** Why the backend last failed, in a few words (never a secret). */
  get lastFault(): string | undefined {
    return this.lastFaultKind;
  }

  /**
   * Runs `call` against the store within the time bound. Resolves with its result, or with
   * `fallback` on any backend fault. Errors that describe a caller mistake are rethrown.
   */
  run<T, F>(operation: string, key: string | undefined, call: (store: CacheStore) => Promise<T>, fallback: F, boundMs?: number): Promise<T | F> {
    return this.execute(operation, key, call, fallback, boundMs, identity);
  }

  /** Like `run` for writes: true once the store confirmed the write, false on any backend fault. */
  write(operation: string, key: string | undefined, call: (store: CacheStore) => Promise<unknown>, boundMs?: number): Promise<boolean> {
    return this.execute(operation, key, call, false, boundMs, confirmed);
  }

  private execute<T, R, F>(
    operation: string,
    key: string | undefined,
    call: (store: CacheStore) => Promise<T>,
    fallback: F,
    boundMs: number | undefined,
    onSuccess: (value: T) => R,
  ): Promise<R | F> {
    const started = performance.now();
    if (!this.store.remote) return this.runLocal(operation, key, call, fallback, started, onSuccess);
    if (this.closed || !this.breaker.allowsCalls()) {
      this.counters.shortCircuited++;
      this.latencies.record(operation, performance.now() - started);
      return Promise.resolve(fallback);
    }
    // One promise per call: the bound, the breaker, the timing and the fallback settle together.
    return this.deadline(boundMs ?? this.settings.commandTimeoutMs).settle(
      call(this.store),
      (value): R | F => {
        this.latencies.record(operation, performance.now() - started);
        // The breaker opened while this call was on its way: its late answer tells nothing
        // about the backend now (measured: after a stall, answers read from the socket
        // buffer closed the breaker 0.1 s into a SIGSTOP). Only a probe closes it.
        if (!this.breaker.allowsCalls()) return onSuccess(value);
        this.breaker.recordSuccess();
        if (this.inOutage) this.endOutage();
        return onSuccess(value);
      },
      (error): R | F => {
        this.latencies.record(operation, performance.now() - started);
        if (error instanceof NotAnIntegerError) throw error;
        this.recordFault(operation, key, error);
        this.failed(error);
        return fallback;
      },
    );
  }

  /** A live round trip, bounded by `boundMs`. While the breaker is open, reports the last fault at once. */
  async probe(boundMs: number): Promise<ProbeResult> {
    if (this.store.remote && !this.breaker.allowsCalls()) {
      return { ok: false, error: this.lastFaultKind ?? 'unavailable' };
    }
    const started = process.hrtime.bigint();
    try {
      await (this.store.remote ? this.bounded(this.store.ping(), boundMs) : this.store.ping());
      const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (this.store.remote) {
        this.breaker.recordSuccess();
        if (this.inOutage) this.endOutage();
      }
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
    if (this.probeTimer) clearTimeout(this.probeTimer);
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
    key: string | undefined,
    call: (store: CacheStore) => Promise<T>,
    fallback: F,
    started: number,
    onSuccess: (value: T) => R,
  ): Promise<R | F> {
    return call(this.store).then(
      (value): R | F => {
        this.latencies.record(operation, performance.now() - started);
        return onSuccess(value);
      },
      (error: unknown): R | F => {
        this.latencies.record(operation, performance.now() - started);
        if (error instanceof NotAnIntegerError) throw error;
        this.recordFault(operation, key, error);
        return fallback;
      },
    );
  }

  private recordFault(operation: string, key: string | undefined, error: unknown): void {
    if (this.closed) return;
    // "not connected" says less than the connection error that caused it: report and log
    // it as that cause, so a refused or rejected connection is one kind of line, not two.
    const classified = classifyFault(error);
    const kind = classified === 'not connected' && this.lastFaultKind !== undefined ? this.lastFaultKind : classified;
    this.counters.errors++;
    if (error instanceof CacheTimeoutError) this.counters.timeouts++;
    this.lastFaultKind = kind;
    if (!this.inOutage) this.shortCircuitedBeforeOutage = this.counters.shortCircuited;
    this.inOutage = true;
    this.faultLog.fault(kind, () => {
      const detail = error instanceof Error ? error.message : String(error);
      const target = key === undefined ? '' : ` for key ${JSON.stringify(key.length > 120 ? `${key.slice(0, 120)}...` : key)}`;
      const consequence = operation === 'connection' ? 'reconnecting' : 'the caller gets its fallback';
      return `${this.settings.backend} cache ${operation}${target} failed: ${kind} (${detail}); ${consequence}`;
    });
  }

  private failed(error: unknown): void {
    if (this.closed) return;
    if (!this.breaker.recordFailure()) {
      if (this.breaker.state === 'open') this.probeSoon(this.settings.cooldownMs);
      return;
    }
    this.faultLog.warn(
      `${this.settings.backend} cache: ${this.settings.failureThreshold} failures in a row; calls get their fallback at once for ${this.settings.cooldownMs} ms, then the backend is probed again`,
    );
    // A connection that stopped answering (no RST ever came) is only noticed by a timeout: start a fresh one.
    if (error instanceof CacheTimeoutError) this.store.reset?.();
    this.probeSoon(this.settings.cooldownMs);
  }

  private probeSoon(delayMs: number): void {
    if (this.closed || this.probing) return;
    if (this.probeTimer) {
      if (delayMs > 0) return;
      clearTimeout(this.probeTimer);
    }
    this.probeTimer = setTimeout(() => void this.runProbe(), delayMs);
    this.probeTimer.unref();
  }

  private async runProbe(): Promise<void> {
    this.probeTimer = undefined;
    if (this.closed || this.breaker.allowsCalls()) return;
    this.probing = true;
    this.breaker.beginProbe();
    try {
      await this.bounded(this.store.ping(), this.settings.commandTimeoutMs);
      this.breaker.recordSuccess();
      this.endOutage();
    } catch (error) {
      this.breaker.recordFailure();
      this.recordFault('probe', undefined, error);
    } finally {
      this.probing = false;
    }
    if (!this.breaker.allowsCalls()) this.probeSoon(this.settings.cooldownMs);
  }

  private endOutage(): void {
    this.inOutage = false;
    this.lastFaultKind = undefined;
    this.faultLog.recovered(`${this.settings.backend} cache`, this.counters.shortCircuited - this.shortCircuitedBeforeOutage);
  }
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
