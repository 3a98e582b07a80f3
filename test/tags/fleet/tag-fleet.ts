import { setTimeout as sleep } from 'node:timers/promises';
import type { MissWatch, MissWatchOutcome, ReadOutcome } from './tag-fleet-protocol';
import { TagProcess } from './tag-process';
import { wallClockMs } from './wall-clock';

/** Every process watches for this long before the invalidation is sent, so none measures the delay of its own start. */
const WATCH_LEAD_MS = 200;

/** Several app processes on one cache, each its own L1 on hybrid; `boot` configures them for the next scenario. */
export class TagFleet {
  private constructor(readonly workers: TagProcess[]) {}

  static async start(size: number): Promise<TagFleet> {
    // The first process fills the transpile cache, so the others start in a fraction of the time.
    const first = await TagProcess.start(0);
    const rest = await Promise.allSettled(Array.from({ length: size - 1 }, (_, n) => TagProcess.start(n + 1)));
    const workers = [first, ...rest.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))];
    const failure = rest.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) {
      await Promise.all(workers.map((worker) => worker.stop()));
      throw failure.reason;
    }
    return new TagFleet(workers);
  }

  /** Every process closes its app and boots one configured from `env`. */
  async boot(env: Record<string, string>): Promise<void> {
    await this.each((worker) => worker.boot(env));
  }

  /** `run` in every process at once, one answer per process in worker order. */
  each<T>(run: (worker: TagProcess) => Promise<T>): Promise<T[]> {
    return Promise.all(this.workers.map(run));
  }

  /** Every process watches (`watch`, its bound counted from `invalidate`) while `invalidate` runs, from WATCH_LEAD_MS before it. */
  async watchAround<T>(
    watch: MissWatch,
    invalidate: () => Promise<T>,
  ): Promise<{ outcomes: MissWatchOutcome[]; invalidation: T }> {
    const watching = this.each((worker) => worker.watch({ ...watch, boundMs: WATCH_LEAD_MS + watch.boundMs }));
    await sleep(WATCH_LEAD_MS);
    const invalidation = await invalidate();
    return { outcomes: await watching, invalidation };
  }

  /** Reads `keys` with get in every process, round after round, until each reads `expected` or `boundMs` passes; the last round. */
  async readUntil(
    keys: string[],
    expected: Record<string, string>,
    boundMs: number,
  ): Promise<{ rounds: number; outcomes: ReadOutcome[] }> {
    const deadline = wallClockMs() + boundMs;
    for (let rounds = 1; ; rounds++) {
      const outcomes = await this.each((worker) => worker.read(keys, 'get'));
      if (
        outcomes.every((outcome) => JSON.stringify(outcome.readings) === JSON.stringify(expected)) ||
        wallClockMs() > deadline
      )
        return { rounds, outcomes };
      await sleep(5);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }
}
