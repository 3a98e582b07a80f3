const TICK_MS = 5;
/** A gap between ticks longer than this counts as a stall; shorter gaps are the load's own work. */
const STALL_THRESHOLD_MS = 50;

/**
 * Records when this process's event loop did not run at all for a while: the OS did not
 * schedule it (2 shared cores) or the test harness blocked it (spawning redis-server forks
 * this process). Every call in flight pays such a stall in full, though no cache code ran.
 */
export class StallMonitor {
  readonly stalls: { from: number; to: number }[] = [];
  private timer: NodeJS.Timeout | undefined;
  private last = 0;

  start(): void {
    this.last = Date.now();
    this.timer = setInterval(() => {
      const now = Date.now();
      if (now - this.last > STALL_THRESHOLD_MS) this.stalls.push({ from: this.last + TICK_MS, to: now });
      this.last = now;
    }, TICK_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  get maxStallMs(): number {
    return Math.max(0, ...this.stalls.map((s) => s.to - s.from));
  }

  /** How much of [from, to] the process spent stalled. */
  stalledWithin(from: number, to: number): number {
    let total = 0;
    for (const stall of this.stalls) total += Math.max(0, Math.min(to, stall.to) - Math.max(from, stall.from));
    return total;
  }
}
