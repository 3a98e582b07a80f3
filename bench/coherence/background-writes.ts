/** Timer period of the background writes: short enough that the rate stays even within a probe. */
const TICK_MS = 5;
/** Writes outstanding at most; past it the process falls behind its rate, which the report shows. */
const MAX_IN_FLIGHT = 200;

export interface BackgroundWriteReport {
  writes: number;
  failed: number;
  seconds: number;
}

/**
 * Writes at a steady rate from a timer, without waiting for one write before the next, as
 * independent requests of a busy app would. Keeps to the rate by counting what is due since
 * the start, so a late timer catches up instead of lowering the rate.
 */
export class BackgroundWrites {
  private issued = 0;
  private settled = 0;
  private failed = 0;
  private readonly startedAt = process.hrtime.bigint();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly write: (n: number) => Promise<boolean>,
    private readonly perSecond: number,
  ) {
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  async stop(): Promise<BackgroundWriteReport> {
    clearInterval(this.timer);
    const seconds = Number(process.hrtime.bigint() - this.startedAt) / 1e9;
    while (this.settled < this.issued) await new Promise((resolve) => setTimeout(resolve, 1));
    return { writes: this.issued - this.failed, failed: this.failed, seconds };
  }

  private tick(): void {
    const due = Math.floor((Number(process.hrtime.bigint() - this.startedAt) / 1e9) * this.perSecond);
    while (this.issued < due && this.issued - this.settled < MAX_IN_FLIGHT) {
      this.write(this.issued++).then(
        (ok) => this.settle(ok),
        () => this.settle(false),
      );
    }
  }

  private settle(ok: boolean): void {
    this.settled++;
    if (!ok) this.failed++;
  }
}
