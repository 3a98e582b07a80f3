import { join } from 'node:path';
import { ForkedWorker } from '../../helpers/forked-worker';
import type { BurstOutcome, CallerBurst, CallerCommand, CallerReply } from './caller-protocol';

const WORKER_SCRIPT = join(__dirname, 'caller-worker.ts');

type FactoryStarted = Extract<CallerReply, { type: 'factory-started' }>;

/** The parent's side of one forked caller process (caller-worker.ts). */
export class CallerProcess extends ForkedWorker<CallerCommand, CallerReply> {
  static start(index: number, env: Record<string, string>): Promise<CallerProcess> {
    return new CallerProcess({ script: WORKER_SCRIPT, index, env, stdout: 'ignore' }).ready();
  }

  /** Called whenever a factory of this process that waits for the parent starts. */
  onFactoryStarted(listener: ((started: FactoryStarted) => void) | undefined): void {
    this.onNotice(listener && ((notice) => notice.type === 'factory-started' && listener(notice)));
  }

  finishFactory(key: string): void {
    this.post({ type: 'finish-factory', key });
  }

  async burst(burst: CallerBurst, boundMs: number): Promise<BurstOutcome> {
    return (await this.ask({ type: 'burst', burst }, 'burst-done', boundMs)).outcome;
  }
}
