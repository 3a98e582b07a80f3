import { Redis } from 'ioredis';
import type { CacheManagerService, IdeaGraphCacheOptions } from '../../src';
import { makeKeyPrefix } from '../../src/keys/cache-key';
import { resolveCacheOptions } from '../../src/startup/cache-options';
import { AnswerCheck } from '../support/answer-check';
import { busLive } from '../support/bus-live';
import { startCacheContext } from '../support/cache-app';
import { hybridCacheOptions } from '../support/hybrid-options';
import { l1PathOutages } from '../support/l1-path-outages';
import { joinProblems, pairRow } from '../support/pair-row';
import { payload } from '../support/payload';
import { type Contender, measureInRounds, withInFlight } from '../support/rounds';
import type { Row } from '../support/row';
import type { BenchSettings } from '../support/settings';

const SECTION =
  'Hybrid set by invalidation path (CACHE_L1_INVALIDATION), one key per call, 100 in flight, against the redis backend in the same rounds';
const HOST = '127.0.0.1';
const KEY_SPACE = 5000;
const REDIS_SET = 'CacheManagerService.set, CACHE_BACKEND=redis';

type Name = 'tracking' | 'bus' | 'redis';

/** A stored value that says which write it came from, so a read-back tells the last write from an earlier one. */
interface Revision {
  rev: number;
  body: Record<string, unknown>;
}

/** One contender's cache, and the revision last written to each of its keys. */
interface Writer {
  cache: CacheManagerService;
  close(): Promise<void>;
  storedPrefix: string;
  last: number[];
  revs: number;
}

/**
 * The hybrid backend's set with each invalidation path forced, against the redis backend's
 * set, all three in the same rounds. Each has its own key prefix: with tracking, Redis
 * reports every change under the tracked prefix to the process, so another contender's
 * writes under the same prefix would be charged to the one measured meanwhile.
 */
export async function hybridSetByInvalidationRows(port: number, settings: BenchSettings): Promise<Row[]> {
  const options: Record<Name, IdeaGraphCacheOptions> = {
    tracking: hybridCacheOptions(port, { CACHE_L1_INVALIDATION: 'tracking', CACHE_KEY_PREFIX: 'set-tracking' }),
    bus: hybridCacheOptions(port, { CACHE_L1_INVALIDATION: 'bus', CACHE_KEY_PREFIX: 'set-bus' }),
    redis: resolveCacheOptions({ backend: 'redis', redis: { host: HOST, port }, keyPrefix: 'set-redis' }),
  };
  const writers = {} as Record<Name, Writer>;
  const raw = new Redis({ host: HOST, port });
  try {
    for (const name of Object.keys(options) as Name[]) {
      const { cache, context } = await startCacheContext(options[name]);
      const { keyPrefix, version } = options[name];
      writers[name] = {
        cache,
        close: () => context.close(),
        storedPrefix: makeKeyPrefix(keyPrefix, version),
        last: [],
        revs: 0,
      };
    }
    await busLive(writers.tracking.cache);
    await busLive(writers.bus.cache);
    const modeProblem = {
      tracking: wrongMode(writers.tracking.cache, 'tracking'),
      bus: wrongMode(writers.bus.cache, 'bus'),
    };
    const values = Array.from({ length: KEY_SPACE }, (_, i) => payload(i));
    const check = new AnswerCheck();
    const write = (name: Name, i: number): Promise<boolean> => {
      const writer = writers[name];
      const value: Revision = { rev: ++writer.revs, body: values[i] };
      writer.last[i] = value.rev;
      return check.expect(name, writer.cache.set(`k:${i}`, value), (ok) => ok);
    };
    // Every key exists before anything is timed: each measured set overwrites, as a busy app's do.
    for (const name of Object.keys(writers) as Name[]) {
      let next = 0;
      await withInFlight(settings.inFlight, KEY_SPACE, () => write(name, next++));
    }
    const contender = (name: Name): Contender => {
      let next = 0;
      return {
        name,
        opsPerCall: settings.batch,
        run: () => withInFlight(settings.inFlight, settings.batch, () => write(name, next++ % KEY_SPACE)),
      };
    };
    const outagesBefore = { tracking: l1PathOutages(writers.tracking.cache), bus: l1PathOutages(writers.bus.cache) };
    const measured = await measureInRounds((Object.keys(writers) as Name[]).map(contender), settings.hybrid.rounds);
    for (const name of Object.keys(writers) as Name[]) await readBack(name, writers[name], raw, check);
    const lost = (name: 'tracking' | 'bus'): string | undefined => {
      const outages = l1PathOutages(writers[name].cache) - outagesBefore[name];
      return outages > 0 ? `the ${name} path was lost ${outages} times during the rounds` : undefined;
    };
    const readBackNote = `${KEY_SPACE} keys; after the rounds every key is read back through the cache and straight from Redis, and must hold the last revision written`;
    // 0.95x is what the set would have to reach for the per-write PUBLISH to be worth dropping (docs/hybrid.md#two-paths).
    const row = (name: 'tracking' | 'bus', costs: string, note?: string): Row =>
      pairRow({
        section: SECTION,
        measured,
        ours: name,
        baseline: 'redis',
        measurement: `CacheManagerService.set, CACHE_BACKEND=hybrid, CACHE_L1_INVALIDATION=${name} (${costs})`,
        baselineName: REDIS_SET,
        minSpeed: name === 'tracking' ? 0.95 : undefined,
        note,
        problem: joinProblems(modeProblem[name], lost(name), check.problem(name, 'redis')),
      });
    return [
      row(
        'tracking',
        "the L2 write, the bus message, and Redis's report of the write back to this process",
        readBackNote,
      ),
      row('bus', 'the L2 write and the bus message'),
      pairRow({
        section: SECTION,
        measured,
        ours: 'tracking',
        baseline: 'bus',
        measurement: 'CacheManagerService.set, CACHE_BACKEND=hybrid, CACHE_L1_INVALIDATION=tracking',
        baselineName: 'the same with CACHE_L1_INVALIDATION=bus',
        problem: joinProblems(
          modeProblem.tracking,
          modeProblem.bus,
          lost('tracking'),
          lost('bus'),
          check.problem('tracking', 'bus'),
        ),
      }),
    ];
  } finally {
    for (const writer of Object.values(writers)) await writer.close();
    raw.disconnect();
  }
}

/**
 * Every key read back through the contender's cache (what its callers see, L1 included) and
 * with GET straight from Redis (what other programs see): each must hold the last revision
 * written. A wrong one counts as a wrong answer of the contender.
 */
async function readBack(name: Name, writer: Writer, raw: Redis, check: AnswerCheck): Promise<void> {
  const isLast =
    (i: number) =>
    (value: unknown): boolean =>
      (value as Revision | undefined)?.rev === writer.last[i];
  let next = 0;
  await withInFlight(100, KEY_SPACE, async () => {
    const i = next++;
    await check.expect(name, writer.cache.get(`k:${i}`), isLast(i));
    const text = await raw.get(`${writer.storedPrefix}k:${i}`);
    await check.expect(name, Promise.resolve(text === null ? undefined : JSON.parse(text)), isLast(i));
  });
}

function wrongMode(cache: CacheManagerService, asked: 'tracking' | 'bus'): string | undefined {
  const mode = cache.getBackendInfo().l1Invalidation;
  return mode === asked ? undefined : `CACHE_L1_INVALIDATION=${asked}, but L1 was kept coherent by ${mode}`;
}
