import 'reflect-metadata';
import type { CacheManagerService } from '../../src';
import { faultsFrom } from '../support/backend-faults';
import { startCacheContext } from '../support/cache-app';
import { fillKeys, readKeys } from '../support/fill';
import { inFlightBatches } from '../support/in-flight-batches';
import { payload } from '../support/payload';
import { measureInRounds } from '../support/rounds';
import { OTHER_KEYS, READ_KEYS, type TagUseCommand, type TagUseReply } from './messages';

/**
 * One process of the tag-use rows, started by tag-use-process.ts. With BENCH_TAGS=used it
 * writes, reads and invalidates OTHER_KEYS tagged entries before anything is measured and
 * keeps them; with BENCH_TAGS=never it holds as many plain entries and never calls a tag
 * path. Either way the bench then measures untagged gets in it, on locmem and on redis.
 */
async function serve(): Promise<void> {
  const port = Number(process.env.BENCH_REDIS_PORT);
  const usesTags = process.env.BENCH_TAGS === 'used';
  const keyPrefix = process.env.BENCH_KEY_PREFIX!;
  const apps = {
    locmem: await startCacheContext({ backend: 'locmem', keyPrefix }),
    redis: await startCacheContext({ backend: 'redis', keyPrefix, redis: { host: '127.0.0.1', port } }),
  };
  for (const { cache } of Object.values(apps)) await fill(cache, usesTags);
  const handle = async (command: TagUseCommand): Promise<void> => {
    switch (command.type) {
      case 'measure': {
        const cache = apps[command.backend].cache;
        let wrong = 0;
        const faults = faultsFrom(cache);
        const get = (n: number) =>
          cache.get(`item:${n % READ_KEYS}`).then((value) => {
            if (value === undefined) wrong++;
          });
        const measured = await measureInRounds([inFlightBatches('get', command.load, get)], {
          rounds: 1,
          ...command.rounds,
        });
        reply({
          type: 'measured',
          msPerOp: measured.ms('get')[0],
          cpuUsPerOp: measured.cpuUs('get')[0],
          wrong,
          faults: faults(),
        });
        return;
      }
      case 'close':
        for (const { context } of Object.values(apps)) await context.close();
        process.disconnect();
        return;
    }
  };
  process.on('message', (command: TagUseCommand) => void handle(command).catch(crash));
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready' });
}

/** The entries the process holds while it is measured, and the tag calls it made before (or not). */
async function fill(cache: CacheManagerService, usesTags: boolean): Promise<void> {
  const tagsOf = (i: number) => [`idea:${i % 100}`, `owner:${i % 10}`];
  await fillKeys(OTHER_KEYS, (i) =>
    cache.set(`other:${i}`, payload(i), undefined, usesTags ? { tags: tagsOf(i) } : undefined),
  );
  await readKeys(OTHER_KEYS, (i) => cache.get(`other:${i}`));
  if (usesTags) {
    // Every tag path once: invalidation, the misses it causes, and getOrSet storing with tags.
    await cache.invalidateTags(['idea:0', 'owner:0']);
    await readKeys(OTHER_KEYS, (i) => cache.getOrSet(`other:${i}`, () => payload(i), undefined, { tags: tagsOf(i) }));
  } else {
    await readKeys(OTHER_KEYS, (i) => cache.getOrSet(`other:${i}`, () => payload(i)));
  }
  await fillKeys(READ_KEYS, (i) => cache.set(`item:${i}`, payload(i)));
  await readKeys(READ_KEYS, (i) => cache.get(`item:${i}`));
}

function reply(message: TagUseReply): void {
  process.send!(message);
}

function crash(error: unknown): void {
  console.error(error);
  process.exit(1);
}

serve().catch(crash);
