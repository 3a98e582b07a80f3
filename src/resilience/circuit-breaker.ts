export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
}

/**
 * Tracks consecutive backend failures. While open, callers get their fallback at once
 * instead of each waiting out the timeout; its owner decides when to probe.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private stateValue: BreakerState = 'closed';

  constructor(readonly settings: BreakerSettings) {}

  get state(): BreakerState {
    return this.stateValue;
  }

  allowsCalls(): boolean {
    return this.stateValue === 'closed';
  }

  /** Records a success; returns true if this closed an open breaker. */
  recordSuccess(): boolean {
    this.consecutiveFailures = 0;
    if (this.stateValue === 'closed') return false;
    this.stateValue = 'closed';
    return true;
  }

  /** Records a failure; returns true if this opened the breaker. */
  recordFailure(): boolean {
    this.consecutiveFailures++;
    if (this.stateValue === 'half-open') {
      this.stateValue = 'open';
      return false;
    }
    if (this.stateValue === 'closed' && this.consecutiveFailures >= this.settings.failureThreshold) {
      this.stateValue = 'open';
      return true;
    }
    return false;
  }

  /** Marks a probe in flight. */
  beginProbe(): void {
    if (this.stateValue === 'open') this.stateValue = 'half-open';
  }
}
