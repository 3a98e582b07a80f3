/**
 * One app process of the big-batch tests, forked by BatchProcess (batch-protocol.ts).
 */
import type { CacheManagerService } from '../../../src';
import { serveWorkerApp } from '../../helpers/worker-app';
import type { BatchCommand, BatchReply, WatchRound } from './batch-protocol';

interface Watch {
  stopped: boolean;
  rounds: WatchRound[];
  done: Promise<void>;
}

async function watchLoop(
  cache: CacheManagerService,
  keys: string[],
  stale: string,
  watch: Omit<Watch, 'done'>,
): Promise<void> {
  while (!watch.stopped) {
    const startedAt = Date.now();
    const found = await cache.getMany<string>(keys);
    let staleKeys = 0;
    for (const key of keys) if (found[key] === stale) staleKeys++;
    watch.rounds.push([startedAt, staleKeys]);
    // A round of L1 hits settles in microtasks only: let the bus's messages and the IPC in.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

void serveWorkerApp<BatchCommand, BatchReply>(({ cache }) => {
  let watch: Watch | undefined;
  return async (command) => {
    switch (command.type) {
      case 'set-many': {
        const ok = await cache.setMany(
          Object.fromEntries(command.keys.map((key) => [key, command.value])),
          command.timeoutSeconds,
        );
        return { type: 'written', ok, returnedAt: Date.now() };
      }
      case 'delete-many': {
        const ok = await cache.deleteMany(command.keys);
        return { type: 'written', ok, returnedAt: Date.now() };
      }
      case 'set-tagged': {
        const stored = await Promise.all(
          command.entries.map(([key, tag]) => cache.set(key, command.value, 300, { tags: [tag] })),
        );
        return { type: 'written', ok: stored.every(Boolean), returnedAt: Date.now() };
      }
      case 'invalidate-tags': {
        const ok = await cache.invalidateTags(command.tags);
        return { type: 'written', ok, returnedAt: Date.now() };
      }
      case 'watch': {
        const state = { stopped: false, rounds: [] as WatchRound[] };
        // One object for the loop and for unwatch: the loop stops when unwatch sets `stopped`.
        watch = Object.assign(state, { done: watchLoop(cache, command.keys, command.stale, state) });
        return { type: 'watching' };
      }
      case 'unwatch': {
        const current = watch;
        watch = undefined;
        if (!current) return { type: 'watched', rounds: [] };
        current.stopped = true;
        await current.done;
        return { type: 'watched', rounds: current.rounds };
      }
      case 'read': {
        const found = await cache.getMany<string>(command.keys);
        return { type: 'values', values: command.keys.map((key) => found[key] ?? null) };
      }
    }
  };
});
