import { startAll } from '../../helpers/start-all';
import type { BurstRequest } from './burst-request';
import type { BurstOutcome, KeyReadings } from './operation-log';
import { WorkerProcess } from './worker-process';

/**
 * Time a burst may take beyond its planned length (operations / rate) before the test gives
 * up on it. Only a hung worker should reach it: on a 2-core machine with other suites and
 * busy loops running, a worker's first burst took over 30 s where 3 were planned.
 */
const BURST_SLACK_MS = 90_000;

/** Several app processes that run bursts together and read their caches on command. */
export class CoherenceFleet {
  private constructor(readonly workers: WorkerProcess[]) {}

  /** One worker per environment, started in parallel. */
  static async start(envs: Record<string, string>[]): Promise<CoherenceFleet> {
    const workers = await startAll(
      envs.map((env, index) => WorkerProcess.start(index, env)),
      (worker) => worker.stop(),
    );
    return new CoherenceFleet(workers);
  }

  get size(): number {
    return this.workers.length;
  }

  /** Starts a burst on every worker (`requestFor(index)`), and resolves with their logs once all ended. */
  burst(requestFor: (worker: number) => BurstRequest): Promise<BurstOutcome[]> {
    return Promise.all(
      this.workers.map((worker) => {
        const request = requestFor(worker.index);
        return worker.burst(request, (request.operations / request.ratePerSecond) * 1000 + BURST_SLACK_MS);
      }),
    );
  }

  /** Ends the running bursts early (their promises resolve with what was done). */
  async halt(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.halt()));
  }

  /** Every worker's reading of `keys`, in worker order. */
  readAll(keys: string[]): Promise<KeyReadings[]> {
    return Promise.all(this.workers.map((worker) => worker.readAll(keys)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }
}
