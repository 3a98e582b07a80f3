import { setImmediate as afterPoll } from 'node:timers';

/** Raised when a backend call outlives its bound. */
export class CacheTimeoutError extends Error {
  override readonly name = 'CacheTimeoutError';
  readonly code = 'ETIMEDOUT';

  constructor(readonly boundMs: number) {
    super(`no answer within ${boundMs} ms`);
  }
}

/**
 * One call waiting for its backend; settled exactly once, by its answer or by the deadline.
 * It carries its own handlers, so a call costs one object and two small closures besides
 * its promise (each closure less showed in the Redis get profile).
 */
/** What the queue needs of a pending call, whatever its types. */
interface Expirable {
  readonly deadline: number;
  settled: boolean;
  fail(error: unknown): void;
}

class PendingCall<T, R> implements Expirable {
  settled = false;
  resolve!: (result: R) => void;
  reject!: (error: unknown) => void;

  constructor(
    readonly deadline: number,
    private readonly onValue: (value: T) => R,
    private readonly onError: (error: unknown) => R,
  ) {}

  answer(value: T): void {
    try {
      this.resolve(this.onValue(value));
    } catch (error) {
      this.reject(error);
    }
  }

  fail(error: unknown): void {
    try {
      this.resolve(this.onError(error));
    } catch (thrown) {
      this.reject(thrown);
    }
  }
}

/**
 * Bounds every call that shares one bound length. Calls sharing a bound reach their
 * deadlines in the order they started, so one timer armed for the oldest pending call
 * covers all of them, and a settled call leaves the queue at once (replies on one
 * connection come back in order, so settled calls gather at the head).
 *
 * Deadlines are on the monotonic clock: a wall clock stepped back would otherwise hold
 * every bound open for as long as the step.
 *
 * Measured on the Redis get path at 100 calls in flight: a setTimeout per call cost about
 * a quarter of the throughput (its Timeout object and closures feed the garbage
 * collector), this queue a few percent (docs/benchmarks.md).
 */
export class DeadlineQueue {
  private readonly calls: Expirable[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly boundMs: number) {}

  /**
   * Settles with `onValue(answer)` or `onError(error)`, or with `onError(CacheTimeoutError)`
   * once the bound has passed; whichever comes first wins. A handler that throws rejects.
   */
  settle<T, R>(
    call: Promise<T>,
    onValue: (value: T) => R,
    onError: (error: unknown) => R,
    startedAt = performance.now(),
  ): Promise<R> {
    const pending = new PendingCall(startedAt + this.boundMs, onValue, onError);
    const result = new Promise<R>((resolve, reject) => {
      pending.resolve = resolve;
      pending.reject = reject;
    });
    this.calls.push(pending);
    if (!this.timer) this.arm();
    call.then(
      (value) => {
        if (pending.settled) return;
        pending.settled = true;
        this.dropSettledHead();
        pending.answer(value);
      },
      (error: unknown) => {
        if (pending.settled) return;
        pending.settled = true;
        this.dropSettledHead();
        pending.fail(error);
      },
    );
    return result;
  }

  /** Settles every waiting call as timed out (used at shutdown). */
  expireAll(): void {
    const waiting = this.calls.slice(this.head);
    this.calls.length = 0;
    this.head = 0;
    for (const pending of waiting) this.expireOne(pending);
  }

  private dropSettledHead(): void {
    const calls = this.calls;
    while (this.head < calls.length && calls[this.head].settled) this.head++;
    if (this.head === calls.length) {
      calls.length = 0;
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > calls.length) {
      calls.splice(0, this.head);
      this.head = 0;
    }
  }

  private arm(): void {
    const oldest = this.calls[this.head];
    if (!oldest) return;
    // A stale timer (its call already settled) only re-arms: at most one timer per bound period.
    this.timer = setTimeout(() => this.sweep(), Math.max(0, oldest.deadline - performance.now()) + 1);
    this.timer.unref();
  }

  private sweep(): void {
    this.timer = undefined;
    const now = performance.now();
    let due: Expirable[] | undefined;
    while (this.head < this.calls.length) {
      const pending = this.calls[this.head];
      if (!pending.settled && pending.deadline > now) break;
      if (!pending.settled) (due ??= []).push(pending);
      this.head++;
    }
    this.dropSettledHead();
    if (due) judgeAfterTwoReads(due, (pending) => this.expireOne(pending));
    this.arm();
  }

  private expireOne(pending: Expirable): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.fail(new CacheTimeoutError(this.boundMs));
  }
}

/**
 * Expires `due` calls only after the event loop has read its sockets twice. Timers run
 * before the loop's poll phase, so after a stretch in which this process did not turn its
 * loop (busy callers whose answers are microtasks, or the OS not running it) a deadline
 * fires while the answer already sits unread in the socket, and an auto-pipelined command
 * may only be written in the check phase after it. Two polls cover both: the answer, if
 * the backend gave it, is read first. Measured: 100 callers yielding every 1024 calls
 * turned the loop every 300 ms or so; judged by the timer alone, every probe "timed out"
 * and the breaker never closed again (test/faults/busy-load-stall.spec.ts). A backend that
 * is really silent loses only two turns of the loop, microseconds on an idle one.
 */
function judgeAfterTwoReads(due: Expirable[], expire: (pending: Expirable) => void): void {
  // From node:timers, not the global: these wait for real turns of the loop, which a fake clock cannot stand in for.
  afterPoll(() => {
    const stillDue = due.filter((pending) => !pending.settled);
    if (stillDue.length > 0) afterPoll(() => stillDue.forEach(expire));
  });
}
