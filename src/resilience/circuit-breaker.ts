export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerSettings {
  /** Consecutive failures that open the breaker. */
  failureThreshold: number;
  /** How long the breaker stays open before it probes again. */
  cooldownMs: number;
}

/**
 * Tracks consecutive backend failures. While open, callers get their fallback at once
 * instead of each waiting out the timeout; the owner probes after the cool-down.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private stateValue: BreakerState = 'closed';
  private openedAt = 0;

  constructor(readonly settings: BreakerSettings) {}

  get state(): BreakerState {
    return this.stateValue;
  }

  /** Epoch ms when the breaker last opened (0 if never). */
  get lastOpenedAt(): number {
    return this.openedAt;
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
      this.openedAt = Date.now();
      return true;
    }
    return false;
  }

  /** Marks a probe in flight. */
  beginProbe(): void {
    if (this.stateValue === 'open') this.stateValue = 'half-open';
  }
}
