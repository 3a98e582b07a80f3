/**
 * One app process of the owned-lock recovery test, forked by LockProcess: takes fleet
 * locks and `add`s on command, and reports its recovery of failed writes.
 */
import { serveWorkerApp } from '../../helpers/worker-app';
import type { LockCommand, LockReply } from './lock-protocol';

void serveWorkerApp<LockCommand, LockReply>(({ cache }) => async (command) => {
  switch (command.type) {
    case 'try-lock': {
      const attempt = await cache.fleet.tryLock(command.key, command.ttlMs);
      return { type: 'lock', kind: attempt.kind, owner: attempt.kind === 'unavailable' ? undefined : attempt.owner };
    }
    case 'add':
      return { type: 'added', added: await cache.add(command.key, command.value, command.timeout) };
    case 'recovery':
      return { type: 'recovery', stats: cache.getStats().recovery };
  }
});
