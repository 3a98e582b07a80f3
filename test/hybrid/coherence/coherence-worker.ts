/**
 * One app process of the coherence tests, forked by CoherenceFleet with
 * `-r test/helpers/ts-register.js`. It boots the module from the environment the parent
 * gives it, answers 'ready', then obeys the parent's commands (worker-protocol.ts).
 */
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheHealthService, IdeaGraphCacheModule } from '../../../src';
import { CacheManagerService } from '../../../src/service/cache-manager.service';
import { envOnlyConfig } from '../../helpers/test-app';
import { BurstRunner } from './burst-runner';
import type { KeyReadings } from './operation-log';
import { WORKER_ENV_VARIABLE, WORKER_INDEX_VARIABLE, type WorkerCommand, type WorkerReply } from './worker-protocol';

/**
 * A burst must not start before the cache answers (a cluster client discovers its slots
 * first) and, on the hybrid backend, hears its bus: health says "degraded" until then.
 */
const CACHE_READY_BOUND_MS = 10_000;

async function boot(env: Record<string, string>): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [envOnlyConfig(env), IdeaGraphCacheModule.forRootAsync()],
  }).compile();
  // Errors only: a fault test makes the module log its faults, which belong in stderr, not in the test's output.
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.init();
  return app;
}

async function cacheAnswers(app: INestApplication): Promise<void> {
  const health = app.get(CacheHealthService);
  const deadline = Date.now() + CACHE_READY_BOUND_MS;
  while (Date.now() < deadline && (await health.check()).status !== 'up') {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function readAll(cache: CacheManagerService, keys: string[]): Promise<KeyReadings> {
  const readings: KeyReadings = {};
  for (const key of keys) {
    const found = await cache.get(key);
    if (found !== undefined) readings[key] = JSON.stringify(found);
  }
  return readings;
}

function reply(message: WorkerReply, sent?: () => void): void {
  process.send?.(message, undefined, {}, () => sent?.());
}

async function main(): Promise<void> {
  const env = JSON.parse(process.env[WORKER_ENV_VARIABLE] ?? '{}') as Record<string, string>;
  const worker = Number(process.env[WORKER_INDEX_VARIABLE] ?? 0);
  let app: INestApplication;
  try {
    app = await boot(env);
    await cacheAnswers(app);
  } catch (error) {
    reply({ type: 'startup-failed', error: String(error) }, () => process.exit(1));
    return;
  }
  const cache = app.get(CacheManagerService);
  const runner = new BurstRunner(cache, worker);
  // The parent is gone (a failed test): nothing is left to answer to.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (command: WorkerCommand) => {
    const answer = async (): Promise<WorkerReply> => {
      switch (command.type) {
        case 'burst':
          return { id: command.id, type: 'burst-done', outcome: await runner.run(command.request) };
        case 'read-all':
          return { id: command.id, type: 'readings', readings: await readAll(cache, command.keys) };
        case 'halt':
          runner.halt();
          return { id: command.id, type: 'halted' };
        case 'close':
          await app.close();
          return { id: command.id, type: 'closed' };
      }
    };
    answer().then(
      // After 'closed' is delivered, letting go of the channel ends the process.
      (message) => reply(message, command.type === 'close' ? () => process.disconnect() : undefined),
      (error: unknown) => reply({ id: command.id, type: 'failed', error: String(error) }),
    );
  });
  reply({ type: 'ready' });
}

void main();
