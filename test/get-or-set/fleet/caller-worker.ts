/**
 * One app process of the fleet-lock tests, forked by CallerProcess with
 * `-r test/helpers/ts-register.js`. It boots the module from the environment the parent
 * gives it, answers 'ready', then runs bursts of getOrSet callers on command
 * (caller-protocol.ts).
 */
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheHealthService, CacheManagerService, IdeaGraphCacheModule } from '../../../src';
import { envOnlyConfig } from '../../helpers/test-app';
import { runCallerBurst, type FactoryControl } from './caller-burst';
import { WORKER_ENV_VARIABLE, WORKER_INDEX_VARIABLE, type CallerCommand, type CallerReply } from './caller-protocol';

/**
 * A burst must not start before the cache answers and, on the hybrid backend, hears its
 * bus (health says "degraded" until then): a process that cannot reach Redis runs its
 * factory alone, as designed, and would spoil the count.
 */
const CACHE_READY_BOUND_MS = 10_000;

async function boot(env: Record<string, string>): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [envOnlyConfig(env), IdeaGraphCacheModule.forRootAsync()],
  }).compile();
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

function reply(message: CallerReply, sent?: () => void): void {
  process.send?.(message, undefined, {}, () => sent?.());
}

/** Factories that wait for the parent, per key: the parent ends them with 'finish-factory'. */
function parentControl(worker: number): FactoryControl & { finish(key: string): void } {
  const waiting = new Map<string, (() => void)[]>();
  return {
    started: (key) => reply({ type: 'factory-started', worker, key, at: Date.now() }),
    finished: (key) => new Promise((resolve) => waiting.set(key, [...(waiting.get(key) ?? []), resolve])),
    finish: (key) => {
      for (const resolve of waiting.get(key) ?? []) resolve();
      waiting.delete(key);
    },
  };
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
  const control = parentControl(worker);
  // The parent is gone (a failed test): nothing is left to answer to.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (command: CallerCommand) => {
    if (command.type === 'finish-factory') {
      control.finish(command.key);
      return;
    }
    const answer = async (): Promise<CallerReply> => {
      switch (command.type) {
        case 'burst':
          return { id: command.id, type: 'burst-done', outcome: await runCallerBurst(cache, worker, command.burst, control) };
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
