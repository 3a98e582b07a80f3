import { startAll } from '../../helpers/start-all';
import type { BurstOutcome, CallerBurst } from './caller-protocol';
import { CallerProcess } from './caller-process';

/** A burst of cold callers takes well under a second; a hung worker must fail the test, not stall it. */
const BURST_BOUND_MS = 30_000;
/** Between sending a burst and its start: every process has the message by then, so all start together. */
const START_LEAD_MS = 300;

/** Several app processes on one cache that run bursts of getOrSet callers together. */
export class CallerFleet {
  private constructor(readonly workers: CallerProcess[]) {}

  static async start(size: number, env: Record<string, string>): Promise<CallerFleet> {
    // The first process fills the transpile cache, so the others start in a fraction of the time.
    const first = await CallerProcess.start(0, env);
    const rest = Array.from({ length: size - 1 }, (_, n) => CallerProcess.start(n + 1, env));
    const workers = await startAll([Promise.resolve(first), ...rest], (worker) => worker.stop());
    return new CallerFleet(workers);
  }

  /** The same burst in every process of `workers` (all by default), starting at one moment; one settled result per worker (a killed worker's is rejected). */
  burst(
    burst: Omit<CallerBurst, 'startAt'>,
    workers = this.workers,
  ): { startAt: number; outcomes: Promise<PromiseSettledResult<BurstOutcome>[]> } {
    const startAt = Date.now() + START_LEAD_MS;
    return {
      startAt,
      outcomes: Promise.allSettled(workers.map((worker) => worker.burst({ ...burst, startAt }, BURST_BOUND_MS))),
    };
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }
}
