/**
 * The child's side of a forked app process (forked-worker.ts is the parent's). It boots the
 * module from the environment the parent gives it, waits until the cache answers, says
 * 'ready', then answers each command with what the test's handler returns, under the
 * command's id. 'close' is answered here.
 */
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheHealthService, CacheManagerService, IdeaGraphCacheModule } from '../../src';
import { envOnlyConfig } from './test-app';
import {
  type LifecycleCommand,
  type LifecycleReply,
  WORKER_ENV_VARIABLE,
  WORKER_INDEX_VARIABLE,
  type WithoutId,
} from './worker-ipc';

/**
 * Nothing may start before the cache answers (a cluster client discovers its slots first)
 * and, on the hybrid backend, hears its bus (health says "degraded" until then): a process
 * that cannot reach Redis runs its factories alone and serves no L1, as designed, which
 * would spoil what a fleet test counts.
 */
const CACHE_READY_BOUND_MS = 10_000;

export interface WorkerApp {
  index: number;
  cache: CacheManagerService;
}

/** Answers a command that has an id with its reply (less the id); one without an id gets nothing back. */
export type CommandHandler<Command, Reply> = (command: Command) => Promise<WithoutId<Reply> | void>;

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

function reply(message: object, sent?: () => void): void {
  process.send?.(message, undefined, {}, () => sent?.());
}

/** Sends the parent a message of the child's own accord (not an answer). */
export function notifyParent<Reply>(notice: Exclude<Reply, { id: number }>): void {
  reply(notice as object);
}

/** Runs the process: `handlerFor` is called once the cache answers, and its handler serves every command but 'close'. */
export async function serveWorkerApp<Command extends { type: string }, Reply>(
  handlerFor: (worker: WorkerApp) => CommandHandler<Command, Reply>,
): Promise<void> {
  const env = JSON.parse(process.env[WORKER_ENV_VARIABLE] ?? '{}') as Record<string, string>;
  const index = Number(process.env[WORKER_INDEX_VARIABLE] ?? 0);
  let app: INestApplication;
  try {
    app = await boot(env);
    await cacheAnswers(app);
  } catch (error) {
    reply({ type: 'startup-failed', error: String(error) } satisfies LifecycleReply, () => process.exit(1));
    return;
  }
  const handle = handlerFor({ index, cache: app.get(CacheManagerService) });
  // The parent is gone (a failed test): nothing is left to answer to.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (command: Command | LifecycleCommand) => {
    if (!('id' in command)) {
      void handle(command);
      return;
    }
    const { id } = command as { id: number };
    const answer = async () =>
      command.type === 'close' ? app.close().then(() => ({ type: 'closed' })) : handle(command);
    answer().then(
      // After 'closed' is delivered, letting go of the channel ends the process.
      (message) =>
        reply({ ...(message as object), id }, command.type === 'close' ? () => process.disconnect() : undefined),
      (error: unknown) => reply({ id, type: 'failed', error: String(error) } satisfies LifecycleReply),
    );
  });
  reply({ type: 'ready' } satisfies LifecycleReply);
}
