import type { LoggerService } from '@nestjs/common';
import { logLine } from '../common/log-text';
import { hideUrlUserInfo, redactSecrets } from '../common/redact-secrets';

interface KindWindow {
  windowStart: number;
  suppressed: number;
}

/**
 * Logs backend faults without flooding: the first fault of a kind is logged at once,
 * later ones are counted and summarised at most once per window and kind. Every line
 * passes through `redact`, so a secret that slipped into an upstream error message is
 * never written.
 */
export class FaultLog {
  private readonly windows = new Map<string, KindWindow>();
  private readonly warnings = new Map<string, KindWindow>();
  private outageStartedAt = 0;
  private failuresInOutage = 0;

  constructor(
    private readonly logger: LoggerService,
    private readonly secrets: readonly string[],
    private readonly windowMs = 5000,
  ) {}

  fault(kind: string, describe: () => string): void {
    const now = Date.now();
    if (this.outageStartedAt === 0) this.outageStartedAt = now;
    this.failuresInOutage++;
    const window = this.windows.get(kind);
    if (!window) {
      this.windows.set(kind, { windowStart: now, suppressed: 0 });
      this.logger.error(this.redact(describe()));
      return;
    }
    if (now - window.windowStart < this.windowMs) {
      window.suppressed++;
      return;
    }
    const suppressed = window.suppressed;
    window.windowStart = now;
    window.suppressed = 0;
    const summary =
      suppressed > 0
        ? ` (${suppressed} similar failures in the last ${Math.round(this.windowMs / 1000)} s not logged)`
        : '';
    this.logger.error(this.redact(describe()) + summary);
  }

  /**
   * A warning that is not a backend fault (it neither starts an outage nor ends in a
   * recovery line), throttled like faults: the first of a kind at once, then at most one
   * per window, with the count of those left out.
   */
  throttledWarn(kind: string, describe: () => string): void {
    const now = Date.now();
    const window = this.warnings.get(kind);
    if (window && now - window.windowStart < this.windowMs) {
      window.suppressed++;
      return;
    }
    const suppressed = window?.suppressed ?? 0;
    this.warnings.set(kind, { windowStart: now, suppressed: 0 });
    const summary = suppressed > 0 ? ` (${suppressed} more since the last one not logged)` : '';
    this.logger.warn(this.redact(describe()) + summary);
  }

  warn(message: string): void {
    this.logger.warn(this.redact(message));
  }

  /** One line when the backend answers again after an outage; `heldBack` calls never reached it (open breaker). */
  recovered(what: string, heldBack = 0): void {
    if (this.outageStartedAt === 0) return;
    const seconds = ((Date.now() - this.outageStartedAt) / 1000).toFixed(1);
    const fallbacks = this.failuresInOutage + heldBack;
    const split =
      heldBack > 0 ? ` (${this.failuresInOutage} failed, ${heldBack} were held back by the circuit breaker)` : '';
    this.logger.log(
      this.redact(`${what} recovered after ${seconds} s; ${fallbacks} calls got their fallback meanwhile${split}`),
    );
    this.outageStartedAt = 0;
    this.failuresInOutage = 0;
    this.windows.clear();
  }

  redact(text: string): string {
    // One line each, whatever an upstream error message or a server's reply held.
    return logLine(redactSecrets(hideUrlUserInfo(text), this.secrets));
  }
}
