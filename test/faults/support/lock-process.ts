import { join } from 'node:path';
import type { RecoveryStats } from '../../../src/resilience/guarded-store';
import { ForkedWorker } from '../../helpers/forked-worker';
import type { LockCommand, LockReply } from './lock-protocol';

const WORKER_SCRIPT = join(__dirname, 'lock-worker.ts');
const ASK_BOUND_MS = 10_000;

/** The parent's side of one forked app process that takes locks (lock-worker.ts). */
export class LockProcess extends ForkedWorker<LockCommand, LockReply> {
  static start(index: number, env: Record<string, string>): Promise<LockProcess> {
    return new LockProcess({ script: WORKER_SCRIPT, index, env, stdout: 'ignore' }).ready();
  }

  async tryLock(key: string, ttlMs: number): Promise<{ kind: string; owner?: string }> {
    const { kind, owner } = await this.ask({ type: 'try-lock', key, ttlMs }, 'lock', ASK_BOUND_MS);
    return { kind, owner };
  }

  async add(key: string, value: string, timeout: number): Promise<boolean> {
    return (await this.ask({ type: 'add', key, value, timeout }, 'added', ASK_BOUND_MS)).added;
  }

  async recovery(): Promise<RecoveryStats> {
    return (await this.ask({ type: 'recovery' }, 'recovery', ASK_BOUND_MS)).stats;
  }
}
