import { join } from 'node:path';
import { ForkedWorker } from '../../helpers/forked-worker';
import type { BatchCommand, BatchReply, WatchRound } from './batch-protocol';

const WORKER_SCRIPT = join(__dirname, 'batch-worker.ts');
/** A batch of 5000 keys takes well under a second; a hung worker must fail the test, not stall it. */
const CALL_BOUND_MS = 30_000;

/** The parent's side of one forked app process (batch-worker.ts). */
export class BatchProcess extends ForkedWorker<BatchCommand, BatchReply> {
  static start(index: number, env: Record<string, string>): Promise<BatchProcess> {
    return new BatchProcess({ script: WORKER_SCRIPT, index, env, stdout: 'ignore' }).ready();
  }

  /** When the call returned in the process (Date.now() there), and what it answered. */
  async setMany(
    keys: string[],
    value: string,
    timeoutSeconds: number | null,
  ): Promise<{ ok: boolean; returnedAt: number }> {
    const { ok, returnedAt } = await this.ask(
      { type: 'set-many', keys, value, timeoutSeconds },
      'written',
      CALL_BOUND_MS,
    );
    return { ok, returnedAt };
  }

  async deleteMany(keys: string[]): Promise<{ ok: boolean; returnedAt: number }> {
    const { ok, returnedAt } = await this.ask({ type: 'delete-many', keys }, 'written', CALL_BOUND_MS);
    return { ok, returnedAt };
  }

  /** Stores `value` under each key, tagged with its tag. */
  async setTagged(entries: [key: string, tag: string][], value: string): Promise<{ ok: boolean; returnedAt: number }> {
    const { ok, returnedAt } = await this.ask({ type: 'set-tagged', entries, value }, 'written', CALL_BOUND_MS);
    return { ok, returnedAt };
  }

  async invalidateTags(tags: string[]): Promise<{ ok: boolean; returnedAt: number }> {
    const { ok, returnedAt } = await this.ask({ type: 'invalidate-tags', tags }, 'written', CALL_BOUND_MS);
    return { ok, returnedAt };
  }

  /** Starts reading `keys` in a loop, counting the keys that hold `stale` in each round. */
  async watch(keys: string[], stale: string): Promise<void> {
    await this.ask({ type: 'watch', keys, stale }, 'watching', CALL_BOUND_MS);
  }

  async unwatch(): Promise<WatchRound[]> {
    return (await this.ask({ type: 'unwatch' }, 'watched', CALL_BOUND_MS)).rounds;
  }

  async read(keys: string[]): Promise<(string | null)[]> {
    return (await this.ask({ type: 'read', keys }, 'values', CALL_BOUND_MS)).values;
  }
}
