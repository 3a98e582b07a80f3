import type { CacheStore } from '../stores/cache-store';
import { CircuitBreaker } from './circuit-breaker';
import { CacheTimeoutError } from './deadline-queue';
import { classifyFault, isCommandError } from './fault-classifier';
import type { FaultLog } from './fault-log';
import type { GuardBounds } from './guard-bounds';
import type { GuardCounters, GuardSettings } from './guard-types';

/**
 * What the guard knows of the backend's health: the breaker and the verdicts that move it,
 * the fault counters and log lines, and the outage those faults make up. Only faults of the
 * connection or of the server as a whole count towards the breaker; an error reply about
 * one command (WRONGTYPE, OOM ...) is logged but fails that call alone.
 */
export class BackendHealth {
  readonly counters: GuardCounters = { errors: 0, timeouts: 0, shortCircuited: 0, staleIfError: 0 };
  readonly breaker: CircuitBreaker;
  /** Set by the guard's close(): faults after it are the close's own and are not reported. */
  closed = false;
  private inOutage = false;
  /** counters.shortCircuited when the current outage began. */
  private shortCircuitedBeforeOutage = 0;
  private lastFaultKind: string | undefined;

  constructor(
    private readonly store: CacheStore,
    private readonly settings: GuardSettings,
    private readonly faultLog: FaultLog,
    private readonly bounds: GuardBounds,
  ) {
    this.breaker = new CircuitBreaker({ failureThreshold: settings.failureThreshold, cooldownMs: settings.cooldownMs });
  }

  /** Why the backend last failed, in a few words (never a secret). */
  get lastFault(): string | undefined {
    return this.lastFaultKind;
  }

  /** The backend answered; `probe` says the call was sent as the breaker's probe. */
  answered(probe: boolean): void {
    // A late answer to a call sent before the breaker opened tells nothing about the
    // backend now (measured: after a stall, answers read from the socket buffer closed the
    // breaker 0.1 s into a SIGSTOP). Only the admitted probe closes it.
    if (this.breaker.state !== 'closed' && !probe) return;
    this.breaker.recordSuccess();
    if (this.inOutage) this.endOutage();
  }

  /** A fault of the connection or the server: one more failure towards opening the breaker. */
  failed(error: unknown): void {
    if (this.closed) return;
    if (!this.breaker.recordFailure(performance.now())) return;
    this.faultLog.warn(
      `${this.settings.backend} cache: ${this.settings.failureThreshold} failures in a row; calls get their fallback at once for ${this.settings.cooldownMs} ms, then the next call probes the backend`,
    );
    // A connection that stopped answering (no RST ever came) is only noticed by a timeout: start a fresh one.
    if (error instanceof CacheTimeoutError) this.store.reset?.();
  }

  /**
   * The breaker's probe when the call admitted as the probe cannot be it: one PING, sent
   * now, whose answer (or its absence within one command bound) is the verdict. A drain
   * cannot be the probe: a scoped clear is many round trips, and a breaker left half-open
   * meanwhile lets no call through (measured: stuck half-open for as long as the run lasted).
   */
  probeByPing(): void {
    this.bounds.bounded(this.store.ping(), this.settings.commandTimeoutMs).then(
      () => this.answered(true),
      (error: unknown) => {
        this.recordFault('ping', undefined, error);
        if (isCommandError(error)) this.answered(true);
        else this.failed(error);
      },
    );
  }

  recordFault(operation: string, keys: string | readonly string[] | undefined, error: unknown): void {
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
      const target =
        typeof keys === 'string'
          ? ` for key ${JSON.stringify(keys.length > 120 ? `${keys.slice(0, 120)}...` : keys)}`
          : keys
            ? ` for ${keys.length} keys`
            : '';
      const consequence = operation === 'connection' ? 'reconnecting' : 'the caller gets its fallback';
      return `${this.settings.backend} cache ${operation}${target} failed: ${commandError ? 'the server refused the command' : kind} (${errorText(error)}); ${consequence}`;
    });
  }

  private endOutage(): void {
    this.inOutage = false;
    this.lastFaultKind = undefined;
    this.faultLog.recovered(
      `${this.settings.backend} cache`,
      this.counters.shortCircuited - this.shortCircuitedBeforeOutage,
    );
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
