/**
 * One app process of the coherence tests, forked by CoherenceFleet. Once its cache answers
 * (test/helpers/worker-app.ts), it obeys the parent's commands (worker-protocol.ts).
 */
import type { CacheManagerService } from '../../../src/service/cache-manager.service';
import { serveWorkerApp } from '../../helpers/worker-app';
import { BurstRunner } from './burst-runner';
import type { KeyReadings } from './operation-log';
import type { WorkerCommand, WorkerReply } from './worker-protocol';

/** Gets in flight at once: thousands of batch keys are read in well under a second, without a getMany (which is under test). */
const READ_ALL_LANES = 32;

async function readAll(cache: CacheManagerService, keys: string[]): Promise<KeyReadings> {
  const readings: KeyReadings = {};
  let next = 0;
  const lane = async () => {
    while (next < keys.length) {
      const key = keys[next++];
      const found = await cache.get(key);
      if (found !== undefined) readings[key] = JSON.stringify(found);
    }
  };
  await Promise.all(Array.from({ length: READ_ALL_LANES }, lane));
  return readings;
}

void serveWorkerApp<WorkerCommand, WorkerReply>(({ index, cache }) => {
  const runner = new BurstRunner(cache, index);
  return async (command) => {
    switch (command.type) {
      case 'burst':
        return { type: 'burst-done', outcome: await runner.run(command.request) };
      case 'read-all':
        return { type: 'readings', readings: await readAll(cache, command.keys) };
      case 'halt':
        runner.halt();
        return { type: 'halted' };
      case 'clear':
        return { type: 'cleared', cleared: await cache.clear() };
    }
  };
});
