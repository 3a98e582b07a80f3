/** Raised when a backend call outlives its bound. */
export class CacheTimeoutError extends Error {
  override readonly name = 'CacheTimeoutError';
  readonly code = 'ETIMEDOUT';
}

interface Pending {
  deadline: number;
  settled: boolean;
  expire: () => void;
}

/**
 * Bounds many concurrent calls that share one timeout with a single timer. Because every
 * call gets the same bound, deadlines arrive in order, so a FIFO suffices; a setTimeout
 * per call costs measurably more on the hot path (docs/benchmarks.md).
 */
export class DeadlineQueue {
  private readonly queue: Pending[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly timeoutMs: number) {}

  /** Settles with the call's outcome, or rejects with CacheTimeoutError once the bound passes. */
  bound<T>(call: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const pending: Pending = {
        deadline: Date.now() + this.timeoutMs,
        settled: false,
        expire: () => reject(new CacheTimeoutError(`no answer within ${this.timeoutMs} ms`)),
      };
      this.queue.push(pending);
      this.arm();
      call.then(
        (value) => {
          pending.settled = true;
          resolve(value);
        },
        (error: unknown) => {
          pending.settled = true;
          reject(error);
        },
      );
    });
  }

  /** Rejects every call still waiting (used at shutdown). */
  expireAll(): void {
    for (let i = this.head; i < this.queue.length; i++) this.expireOne(this.queue[i]);
    this.queue.length = 0;
    this.head = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    if (this.timer) return;
    const first = this.queue[this.head];
    if (!first) return;
    this.timer = setTimeout(() => this.sweep(), Math.max(0, first.deadline - Date.now()) + 1);
    this.timer.unref();
  }

  private sweep(): void {
    this.timer = undefined;
    const now = Date.now();
    while (this.head < this.queue.length) {
      const pending = this.queue[this.head];
      if (!pending.settled && pending.deadline > now) break;
      this.expireOne(pending);
      this.head++;
    }
    // Compact now and then so the array does not grow without bound under steady load.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    this.arm();
  }

  private expireOne(pending: Pending): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.expire();
  }
}
