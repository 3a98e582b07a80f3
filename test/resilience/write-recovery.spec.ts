import { Logger } from '@nestjs/common';
import { FaultLog } from '../../src/resilience/fault-log';
import { WriteRecovery, type RecoveryChannel } from '../../src/resilience/write-recovery';

function recovery(): WriteRecovery {
  return new WriteRecovery(
    { maxKeys: 100, scopePrefix: 'app:1:', backend: 'redis' },
    new FaultLog(new Logger('test'), []),
  );
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
    deleteIfEquals: async () => false,
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
    void queue.track('app:1:a', write);
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
    void queue.track('app:1:a', write);
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
      deleteIfEquals: async () => false,
      clear: async () => undefined,
    };
    queue.remember('app:1:a');
    await queue.drain(channel);
    expect(deleted).toEqual([['app:1:a'], ['app:1:a']]);
  });

  describe('an owned write (add, a lock)', () => {
    /** A store of one key's value, so compare-and-delete compares for real. */
    function storeChannel(values: Map<string, string>): RecoveryChannel & { plainDeletes: string[] } {
      const plainDeletes: string[] = [];
      return {
        plainDeletes,
        deleteMany: async (keys) => {
          plainDeletes.push(...keys);
          for (const key of keys) values.delete(key);
          return true;
        },
        deleteIfEquals: async (key, value) => values.get(key) === value && values.delete(key),
        clear: async () => undefined,
      };
    }

    it('is made good by deleting its own value only: a value someone else wrote since stays', async () => {
      const queue = recovery();
      const values = new Map([['app:1:~lock:x', 'owner-B']]);
      const channel = storeChannel(values);
      queue.remember({ ownedKey: 'app:1:~lock:x', value: 'owner-A' });
      expect(queue.covers('app:1:~lock:x')).toBe(true);
      await queue.drain(channel);
      expect(values.get('app:1:~lock:x')).toBe('owner-B');
      expect(channel.plainDeletes).toEqual([]);
      expect(queue.pending).toBe(0);
    });

    it('removes its own value if the failed write landed after all', async () => {
      const queue = recovery();
      const values = new Map([['app:1:~lock:x', 'owner-A2']]);
      const channel = storeChannel(values);
      queue.remember({ ownedKey: 'app:1:~lock:x', value: 'owner-A1' });
      queue.remember({ ownedKey: 'app:1:~lock:x', value: 'owner-A2' });
      expect(queue.pending).toBe(2);
      await queue.drain(channel);
      expect(values.has('app:1:~lock:x')).toBe(false);
      expect(queue.counters).toMatchObject({ queued: 2, madeGood: 1 });
      expect(queue.pending).toBe(0);
    });

    it('keeps its value queued when the same value failed again while its compare-and-delete was in flight (the second attempt of a lock)', async () => {
      const queue = recovery();
      const values = new Map([['app:1:~lock:x', 'owner-A']]);
      let calls = 0;
      const channel: RecoveryChannel = {
        deleteMany: async () => true,
        deleteIfEquals: async (key, value) => {
          calls++;
          // The lock's second add, with the same owner, fails behind this delete: it may land after it.
          if (calls === 1) queue.remember({ ownedKey: key, value });
          const deleted = values.get(key) === value && values.delete(key);
          if (calls === 1) values.set(key, 'owner-A');
          return deleted;
        },
        clear: async () => undefined,
      };
      queue.remember({ ownedKey: 'app:1:~lock:x', value: 'owner-A' });
      await queue.drain(channel);
      expect(queue.pending).toBe(1);
      await queue.drain(channel);
      expect(values.has('app:1:~lock:x')).toBe(false);
      expect(queue.pending).toBe(0);
    });

    it('gives way to a failed plain write of the same key, whose remedy is the delete of the key', async () => {
      const queue = recovery();
      const values = new Map([['app:1:k', 'old']]);
      const channel = storeChannel(values);
      queue.remember({ ownedKey: 'app:1:k', value: 'mine' });
      queue.remember('app:1:k');
      await queue.drain(channel);
      expect(channel.plainDeletes).toEqual(['app:1:k']);
      expect(queue.pending).toBe(0);
    });
  });
});
