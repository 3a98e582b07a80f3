/**
 * One app process of the tags fleet test, forked by TagProcess with
 * `-r test/helpers/ts-register.js`. It answers 'ready' once the module is loaded, boots an
 * app with the module configured from the environment each 'boot' gives it (one scenario
 * after another, so the fleet starts once), and writes, reads, watches and invalidates on
 * command (tag-fleet-protocol.ts).
 */
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheHealthService, CacheManagerService, IdeaGraphCacheModule } from '../../../src';
import { envOnlyConfig } from '../../helpers/test-app';
import { watchForMisses } from './miss-watch';
import { readAll, recompute, writeAll } from './tag-operations';
import { WORKER_INDEX_VARIABLE, type TagCommand, type TagReply } from './tag-fleet-protocol';
import { wallClockMs } from './wall-clock';

/**
 * Nothing may start before the cache answers (a cluster client discovers its slots first)
 * and, on hybrid, hears its bus (health says "degraded" until then): a process whose bus
 * is not live reads past its L1, and would hide what the test is about.
 */
const CACHE_READY_BOUND_MS = 10_000;

async function boot(env: Record<string, string>): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [envOnlyConfig(env), IdeaGraphCacheModule.forRootAsync()],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: ['error'] });
  await app.init();
  const health = app.get(CacheHealthService);
  const deadline = Date.now() + CACHE_READY_BOUND_MS;
  while ((await health.check()).status !== 'up') {
    if (Date.now() > deadline)
      throw new Error(
        `the cache was not up within ${CACHE_READY_BOUND_MS} ms: ${JSON.stringify(await health.check())}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return app;
}

function reply(message: TagReply, sent?: () => void): void {
  process.send?.(message, undefined, {}, () => sent?.());
}

function main(): void {
  const worker = Number(process.env[WORKER_INDEX_VARIABLE] ?? 0);
  let app: INestApplication | undefined;
  const cache = (): CacheManagerService => {
    if (!app) throw new Error('no app booted');
    return app.get(CacheManagerService);
  };
  // The parent is gone (a failed test): nothing is left to answer to.
  process.on('disconnect', () => process.exit(0));
  process.on('message', (command: TagCommand) => {
    const answer = async (): Promise<TagReply> => {
      switch (command.type) {
        case 'boot':
          await app?.close();
          app = undefined;
          app = await boot(command.env);
          return { id: command.id, type: 'booted' };
        case 'write':
          return { id: command.id, type: 'written', results: await writeAll(cache(), command.writes, command.timeout) };
        case 'read':
          return { id: command.id, type: 'read-done', outcome: await readAll(cache(), command.keys, command.via) };
        case 'watch':
          return { id: command.id, type: 'watched', outcome: await watchForMisses(cache(), worker, command.watch) };
        case 'invalidate': {
          const startedAt = wallClockMs();
          const ok = await cache().invalidateTags(command.tags);
          return { id: command.id, type: 'invalidated', ok, startedAt, returnedAt: wallClockMs() };
        }
        case 'recompute':
          return {
            id: command.id,
            type: 'recomputed',
            values: await recompute(cache(), worker, command.keys, command.tags, command.timeout),
          };
        case 'close':
          await app?.close();
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

main();
