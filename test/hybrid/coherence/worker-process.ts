import { join } from 'node:path';
import { ForkedWorker } from '../../helpers/forked-worker';
import type { BurstRequest } from './burst-request';
import type { BurstOutcome, KeyReadings } from './operation-log';
import type { WorkerCommand, WorkerReply } from './worker-protocol';

const WORKER_SCRIPT = join(__dirname, 'coherence-worker.ts');
/** Any command but a burst answers in well under a second; a hung worker must fail the test, not stall it. */
const COMMAND_BOUND_MS = 30_000;

/** The parent's side of one forked coherence worker (coherence-worker.ts). */
export class WorkerProcess extends ForkedWorker<WorkerCommand, WorkerReply> {
  static start(index: number, env: Record<string, string>): Promise<WorkerProcess> {
    return new WorkerProcess({ script: WORKER_SCRIPT, index, env, stdout: 'inherit' }).ready();
  }

  async burst(request: BurstRequest, boundMs: number): Promise<BurstOutcome> {
    return (await this.ask({ type: 'burst', request }, 'burst-done', boundMs)).outcome;
  }

  async halt(): Promise<void> {
    await this.ask({ type: 'halt' }, 'halted', COMMAND_BOUND_MS);
  }

  async clear(): Promise<boolean> {
    return (await this.ask({ type: 'clear' }, 'cleared', COMMAND_BOUND_MS)).cleared;
  }

  async readAll(keys: string[]): Promise<KeyReadings> {
    return (await this.ask({ type: 'read-all', keys }, 'readings', COMMAND_BOUND_MS)).readings;
  }
}
