import { Logger } from '@nestjs/common';
import { FaultLog } from '../../src/resilience/fault-log';
import { WriteRecovery, type RecoveryChannel } from '../../src/resilience/write-recovery';

function recovery(): WriteRecovery {
  return new WriteRecovery({ maxKeys: 100, scopePrefix: 'app:1:', backend: 'redis' }, new FaultLog(new Logger('test'), []));
}

/** A channel that records what it was asked to delete. */
function recordingChannel(): RecoveryChannel & { deleted: string[][] } {
  const deleted: string[][] = [];
  return {
    deleted,
    deleteMany: async (keys) => {
      deleted.push([...keys]);
      return true;
    },
    clear: async () => undefined,
  };
}

describe('WriteRecovery', () => {
  it('sends no repair delete for a key whose write is still on its way: the delete could land after it and undo it', async () => {
    const queue = recovery();
    const channel = recordingChannel();
    queue.remember(['app:1:a', 'app:1:b']);
    let land!: () => void;
    const write = new Promise<void>((resolve) => (land = resolve));
    queue.track('app:1:a', write);
    await queue.drain(channel);
    expect(channel.deleted).toEqual([['app:1:b']]);
    expect(queue.hasWork).toBe(true);
    // The write landed and made its key good itself.
    land();
    await write;
    queue.forget('app:1:a');
    expect(queue.hasWork).toBe(false);
    await queue.drain(channel);
    expect(channel.deleted).toEqual([['app:1:b']]);
  });

  it('deletes the key once a tracked write fails, like any failed write', async () => {
    const queue = recovery();
    const channel = recordingChannel();
    queue.remember('app:1:a');
    const write = Promise.reject(new Error('timeout'));
    queue.track('app:1:a', write);
    await write.catch(() => undefined);
    queue.remember('app:1:a');
    await queue.drain(channel);
    expect(channel.deleted).toEqual([['app:1:a']]);
    expect(queue.hasWork).toBe(false);
  });

  it('keeps a key whose write failed again while its delete was in flight', async () => {
    const queue = recovery();
    const deleted: string[][] = [];
    const channel: RecoveryChannel = {
      deleteMany: async (keys) => {
        deleted.push([...keys]);
        // A write of the same key fails while this delete is on its way.
        if (deleted.length === 1) queue.remember('app:1:a');
        return true;
      },
      clear: async () => undefined,
    };
    queue.remember('app:1:a');
    await queue.drain(channel);
    expect(deleted).toEqual([['app:1:a'], ['app:1:a']]);
  });
});
