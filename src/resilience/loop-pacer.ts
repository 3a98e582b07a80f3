import { setImmediate as afterPoll } from 'node:timers';

/**
 * Keeps answers given without I/O (an open breaker's fallbacks) from starving the event
 * loop. Each such answer is a microtask, so callers that only await cache calls never let
 * the loop turn while the breaker is open: no socket is read, no timer runs, and the
 * reconnect, the probe and the recovery drain all stand still. Measured with 100 callers
 * yielding once every 1024 calls: the loop turned once in 6 s on a loaded machine, and the
 * cache stayed unusable 20 s after Redis was back (test/faults/busy-load-stall.spec.ts).
 *
 * So once the loop has not turned for `maxGapMs` and over `minAnswers` answers, further
 * answers wait for the next turn (its check phase, right after it read the sockets). The
 * rest stay microtasks (the turns are real ones, from node:timers, whatever clock a test fakes): a process pays a counter and a clock comparison per answer and one
 * setImmediate per loop turn at most.
 */
export class LoopPacer {
  private lastTurnAt = performance.now();
  private answersSinceTurn = 0;
  private markPending = false;
  private readonly markTurn = () => {
    this.markPending = false;
    this.answersSinceTurn = 0;
    this.lastTurnAt = performance.now();
  };

  constructor(
    private readonly maxGapMs: number,
    /** Answers given at once in any case: a few fallbacks never need a turn of their own. */
    private readonly minAnswers = 256,
  ) {}

  /** `answer` at once, or after the loop's next turn if it has not turned for too long. `now`: performance.now() of the caller. */
  pace<T>(answer: T, now: number): Promise<T> {
    if (!this.markPending) {
      this.markPending = true;
      afterPoll(this.markTurn);
    }
    if (++this.answersSinceTurn <= this.minAnswers || now - this.lastTurnAt <= this.maxGapMs)
      return Promise.resolve(answer);
    return new Promise((resolve) => afterPoll(resolve, answer));
  }
}
