import type Redis from 'ioredis';
import type { CacheManagerService } from '../../src';
import { connectRawIoredis } from '../baselines/raw-ioredis';
import { AnswerCheck } from '../support/answer-check';
import { faultsFrom } from '../support/backend-faults';
import { busLive } from '../support/bus-live';
import { startCacheContext } from '../support/cache-app';
import { fillKeys, readKeys } from '../support/fill';
import { hybridCacheOptions } from '../support/hybrid-options';
import { inFlightBatches } from '../support/in-flight-batches';
import { joinProblems, pairRow } from '../support/pair-row';
import { payload } from '../support/payload';
import { keyCommandsDuring } from '../support/redis-command-count';
import { measureInRounds, PerRound } from '../support/rounds';
import type { Row } from '../support/row';
import type { BenchSettings } from '../support/settings';
import { OTHER_KEYS, type TagUseBackend } from '../tags/messages';
import { TagUseProcess } from '../tags/tag-use-process';

const SECTION = 'Tags, one key per call, 100 in flight';
/** Keys each side cycles over: well inside the L1 and locmem caps, so every get hits. */
const KEYS = 2000;
/** Calls in the passes that count the Redis commands per get. */
const COUNT_CALLS = 2000;
/** The processes of the tag-use rows: one that used tags, and two that never did. */
const SIDES = ['used', 'never', 'control'] as const;
type Side = (typeof SIDES)[number];
const SIDE_NAMES: Record<Side, string> = {
  used: 'the process using tags',
  never: 'the process without tags',
  control: 'the second process without tags',
};
/** Entries each tag-use process holds besides the keys it reads. */
const OTHER_ENTRIES = OTHER_KEYS.toLocaleString('en');
/** Each tagged entry carries two tags: one of 100 ideas, one of 10 owners. */
const tagsOf = (i: number): string[] => [`idea:${i % 100}`, `owner:${i % 10}`];

/** What tags cost: untagged gets in a process that uses tags, and a tagged get against an untagged one. */
export async function getOrSetTagRows(port: number, settings: BenchSettings): Promise<Row[]> {
  return [...(await tagUseRows(port, settings)), ...(await taggedGetRows(port, settings))];
}

/**
 * An untagged get in a process that wrote, read and invalidated tagged entries and still
 * holds them, against the same get in a process that never called a tag path and holds as
 * many plain entries. Separate processes, so neither's compiled code or heap has seen the
 * other's work. A second process that never used tags is measured in the same rounds: how
 * far two alike processes differ is the noise the first row must be read against.
 */
async function tagUseRows(port: number, settings: BenchSettings): Promise<Row[]> {
  const processes = await Promise.all(
    SIDES.map((side) => TagUseProcess.start(side === 'used' ? 'used' : 'never', `tags-${side.slice(0, 4)}`, port)),
  );
  try {
    const rows: Row[] = [];
    for (const backend of ['locmem', 'redis'] as TagUseBackend[]) {
      const { measured, problems } = await measureProcesses(processes, backend, settings);
      const problem = (...sides: Side[]) => joinProblems(...sides.map((side) => problems.get(side)));
      const measurement = `CacheManagerService.get of an untagged key, CACHE_BACKEND=${backend}`;
      const never = `the same get in a process that never used tags, holding ${OTHER_ENTRIES} plain entries instead`;
      rows.push(
        pairRow({
          section: SECTION,
          measured,
          ours: 'used',
          baseline: 'never',
          measurement: `${measurement}, in a process holding ${OTHER_ENTRIES} tagged entries (and having read and invalidated tags)`,
          baselineName: never,
          minSpeed: 0.97,
          problem: problem('used', 'never'),
        }),
        pairRow({
          section: SECTION,
          measured,
          ours: 'control',
          baseline: 'never',
          measurement: `${measurement}, in a second process that never used tags (the noise floor of the row above)`,
          baselineName: never,
          problem: problem('control', 'never'),
        }),
      );
    }
    return rows;
  } finally {
    await Promise.all(processes.map((child) => child.close()));
  }
}

/** Every process measured once per round, in an order that rotates and reverses from round to round, as measureInRounds does. */
async function measureProcesses(
  processes: TagUseProcess[],
  backend: TagUseBackend,
  settings: BenchSettings,
): Promise<{ measured: PerRound; problems: Map<Side, string> }> {
  const measured = new PerRound();
  const wrong = new Map<Side, number>();
  const faults = new Map<Side, string>();
  const { rounds, timeMs, warmupMs } = settings.getOrSet.rounds;
  const load = { inFlight: settings.inFlight, batch: settings.batch };
  for (let round = 0; round < rounds; round++) {
    const shift = round % SIDES.length;
    const order = [...SIDES.slice(shift), ...SIDES.slice(0, shift)].map((side) => SIDES.indexOf(side));
    if (round % 2 === 1) order.reverse();
    for (const index of order) {
      const side = SIDES[index];
      const reply = await processes[index].request(
        { type: 'measure', backend, load, rounds: { timeMs, warmupMs } },
        'measured',
      );
      measured.record(side, reply.msPerOp, reply.cpuUsPerOp);
      if (reply.wrong > 0) wrong.set(side, (wrong.get(side) ?? 0) + reply.wrong);
      if (reply.faults) faults.set(side, reply.faults);
    }
  }
  const problems = new Map<Side, string>();
  for (const side of SIDES) {
    const text = joinProblems(wrong.has(side) ? `${wrong.get(side)} misses` : undefined, faults.get(side));
    if (text) problems.set(side, `${SIDE_NAMES[side]}: ${text}`);
  }
  return { measured, problems };
}

/**
 * A get of a tagged entry against a get of an untagged one, on the same cache. On redis the
 * tagged get reads its tags' versions after the entry (counted: Redis commands per get);
 * on hybrid both the entry and the versions are L1 hits (checked: no Redis commands).
 */
async function taggedGetRows(port: number, settings: BenchSettings): Promise<Row[]> {
  const redis = await startCacheContext({ backend: 'redis', redis: { host: '127.0.0.1', port } });
  const hybrid = await startCacheContext(hybridCacheOptions(port));
  const raw = await connectRawIoredis('127.0.0.1', port);
  try {
    await busLive(hybrid.cache);
    return [
      await taggedGetRow('redis', redis.cache, raw, settings),
      await taggedGetRow('hybrid', hybrid.cache, raw, settings),
    ];
  } finally {
    await redis.context.close();
    await hybrid.context.close();
    raw.disconnect();
  }
}

async function taggedGetRow(
  backend: 'redis' | 'hybrid',
  cache: CacheManagerService,
  raw: Redis,
  settings: BenchSettings,
): Promise<Row> {
  await fillKeys(KEYS, (i) => cache.set(`tg:plain:${i}`, payload(i)));
  await fillKeys(KEYS, (i) => cache.set(`tg:tagged:${i}`, payload(i), undefined, { tags: tagsOf(i) }));
  // One read of each fills the hybrid's L1 (entries and tag versions) before anything is timed.
  await readKeys(KEYS, (i) => Promise.all([cache.get(`tg:plain:${i}`), cache.get(`tg:tagged:${i}`)]));
  const check = new AnswerCheck();
  const found = (value: unknown): boolean => value !== undefined && value !== null;
  const gets = {
    tagged: (n: number) => check.expect('tagged', cache.get(`tg:tagged:${n % KEYS}`), found),
    plain: (n: number) => check.expect('plain', cache.get(`tg:plain:${n % KEYS}`), found),
  };
  const outagesBefore = busOutages(cache);
  const faults = faultsFrom(cache);
  const measured = await measureInRounds(
    [inFlightBatches('tagged', settings, gets.tagged), inFlightBatches('plain', settings, gets.plain)],
    settings.getOrSet.rounds,
  );
  const perGet = {
    tagged: (await keyCommandsDuring(raw, COUNT_CALLS, gets.tagged)) / COUNT_CALLS,
    plain: (await keyCommandsDuring(raw, COUNT_CALLS, gets.plain)) / COUNT_CALLS,
  };
  const outages = busOutages(cache) - outagesBefore;
  const commands = `Redis key commands per get: ${perGet.tagged.toFixed(2)} tagged, ${perGet.plain.toFixed(2)} untagged`;
  const row = pairRow({
    section: SECTION,
    measured,
    ours: 'tagged',
    baseline: 'plain',
    measurement: `CacheManagerService.get of a tagged entry (2 tags), CACHE_BACKEND=${backend}${backend === 'hybrid' ? ', L1 hits' : ''}`,
    baselineName: 'CacheManagerService.get of an untagged entry, same cache',
    note: commands,
    problem: joinProblems(
      outages > 0 ? `the hybrid's bus was lost ${outages} times during the rounds` : undefined,
      backend === 'hybrid' && perGet.tagged + perGet.plain > 0.02 ? `${commands}: not L1 hits` : undefined,
      check.problem('tagged', 'plain'),
      faults(),
    ),
  });
  // The claim for redis is about round trips, not speed: the versions are one read after the entry's.
  if (backend === 'redis')
    row.target = { text: 'at most 1 Redis command more per get', met: perGet.tagged - perGet.plain <= 1 };
  return row;
}

function busOutages(cache: CacheManagerService): number {
  return cache.getStats().tiers?.bus.outages ?? 0;
}
