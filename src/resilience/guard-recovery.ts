import type { CacheStore } from '../stores/cache-store';
import type { BackendHealth } from './backend-health';
import { CacheTimeoutError } from './deadline-queue';
import { isCommandError } from './fault-classifier';
import { confirmed, identity, rethrow, type GuardBounds } from './guard-bounds';
import { repairKeys, type WriteRecovery, type WriteRepair } from './write-recovery';

/**
 * Drives the recovery of failed writes (WriteRecovery keeps what to make good): when a
 * drain starts, how long it may take, what its outcome says to the breaker, and the timer
 * that retries it in a process gone quiet.
 */
export class GuardRecovery {
  /** The drain of failed writes under way; calls that touch a remembered key wait for it. */
  private recovering: Promise<boolean> | undefined;
  private drainTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: CacheStore,
    private readonly writes: WriteRecovery,
    private readonly health: BackendHealth,
    private readonly bounds: GuardBounds,
    private readonly cooldownMs: number,
  ) {}

  /** A write failed: its keys are dropped from the process and remembered for the drain. */
  rememberFailed(repair: WriteRepair): void {
    // The store drops what it holds in process for the keys; an owned key is dropped like any other.
    this.store.discardLocal?.(typeof repair !== 'string' && 'ownedKey' in repair ? repairKeys(repair) : repair);
    this.writes.remember(repair);
    this.scheduleDrain(this.cooldownMs);
  }

  /** True once remembered writes are made good; false if that takes longer than one command bound. */
  drained(): Promise<boolean> {
    return this.bounds.deadline(this.bounds.commandTimeoutMs).settle(this.recover(), identity, () => false);
  }

  /** Starts draining remembered writes, once for all callers; resolves true if nothing is left. */
  recover(): Promise<boolean> {
    if (!this.recovering) {
      const bound = this.bounds.drainMs;
      const drain = this.writes
        .drain({
          deleteMany: (keys) =>
            this.bounds
              .deadline(bound)
              .settle(this.store.deleteMany(keys), confirmed, (error) => this.drainFailed(error)),
          deleteIfEquals: (key, value) =>
            this.bounds
              .deadline(bound)
              .settle(this.store.deleteIfEquals(key, value), identity, (error) => this.drainFailed(error)),
          clear: (prefix) =>
            this.bounds.deadline(this.bounds.clearMs).settle(this.store.clear(prefix), identity, rethrow),
        })
        .then(
          () => {
            this.health.answered(false);
            return true;
          },
          (error: unknown) => {
            this.health.recordFault('recovery', undefined, error);
            // A slow drain is not a dead connection; anything else counts as for any call.
            if (error instanceof CacheTimeoutError) this.health.breaker.reopenIfProbing(performance.now());
            else this.health.failed(error);
            return false;
          },
        );
      this.recovering = drain.finally(() => {
        this.recovering = undefined;
        if (this.writes.hasWork) this.scheduleDrain(this.cooldownMs);
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
  scheduleDrain(delayMs: number): void {
    if (this.health.closed || this.drainTimer) return;
    this.drainTimer = setTimeout(() => {
      this.drainTimer = undefined;
      if (this.health.closed || !this.writes.hasWork || this.recovering) return;
      if (!this.health.breaker.admit(performance.now())) {
        this.scheduleDrain(this.cooldownMs);
        return;
      }
      if (this.health.breaker.state === 'half-open') this.health.probeByPing();
      void this.recover();
    }, delayMs);
    this.drainTimer.unref();
  }

  /** Stops the retry timer (the guard is closing). */
  stop(): void {
    if (this.drainTimer) clearTimeout(this.drainTimer);
  }

  /** An error reply to a recovery delete cannot be cured by retrying: those keys are given up (false), logged, and the drain goes on. */
  private drainFailed(error: unknown): false {
    if (!isCommandError(error)) throw error;
    this.health.recordFault('recovery', undefined, error);
    return false;
  }
}
