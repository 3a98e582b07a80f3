export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long the breaker stays open before the next call may probe the backend. */
  cooldownMs: number;
}

/**
 * Tracks consecutive backend failures. While open, callers get their fallback at once
 * instead of each waiting out the timeout. Once the cool-down has passed, the next call
 * is let through as the probe: recovery needs no timer, so a loop that only awaits cache
 * calls (and never lets a timer run) still sees the backend come back.
 *
 * Times come from `performance.now()`, a monotonic clock: a wall-clock step must neither
 * keep the breaker open nor skip its cool-down.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private stateValue: BreakerState = 'closed';
  private probeAllowedAt = 0;

  constructor(readonly settings: BreakerSettings) {}

  get state(): BreakerState {
    return this.stateValue;
  }

  allowsCalls(): boolean {
    return this.stateValue === 'closed';
  }

  /**
   * True if the caller may go to the backend: the breaker is closed, or it is open, its
   * cool-down has passed, and this caller becomes the one probe (the breaker turns half-open).
   */
  admit(now: number): boolean {
    if (this.stateValue === 'closed') return true;
    if (this.stateValue === 'half-open' || now < this.probeAllowedAt) return false;
    this.stateValue = 'half-open';
    return true;
  }

  /** Lets the next call probe at once (the backend reported that it is reachable again). */
  expediteProbe(): void {
    if (this.stateValue === 'open') this.probeAllowedAt = 0;
  }

  /** A probe that ended without a verdict (too slow to tell): open again for a new cool-down, without counting a failure. */
  reopenIfProbing(now: number): void {
    if (this.stateValue === 'half-open') this.open(now);
  }

  /** Records a success; returns true if this closed an open breaker. */
  recordSuccess(): boolean {
    this.consecutiveFailures = 0;
    if (this.stateValue === 'closed') return false;
    this.stateValue = 'closed';
    return true;
  }

  /** Records a failure at `now`; returns true if this opened a closed breaker. */
  recordFailure(now: number): boolean {
    this.consecutiveFailures++;
    if (this.stateValue === 'half-open') {
      this.open(now);
      return false;
    }
    if (this.stateValue === 'closed' && this.consecutiveFailures >= this.settings.failureThreshold) {
      this.open(now);
      return true;
    }
    return false;
  }

  private open(now: number): void {
    this.stateValue = 'open';
    this.probeAllowedAt = now + this.settings.cooldownMs;
  }
}
