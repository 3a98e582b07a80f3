import type Redis from 'ioredis';
import type { CacheManagerService } from '../../src';
import { createBentoCache } from '../baselines/bentocache';
import { connectRawIoredis, rawGetJson } from '../baselines/raw-ioredis';
import { AnswerCheck } from '../support/answer-check';
import { busLive } from '../support/bus-live';
import { startCacheContext } from '../support/cache-app';
import { hybridCacheOptions, L1_MAX_ENTRIES, L1_TIMEOUT_SECONDS } from '../support/hybrid-options';
import { payload } from '../support/payload';
import { keyCommandCount } from '../support/redis-command-count';
import { type Contender, measureInRounds, type PerRound, withInFlight } from '../support/rounds';
import { makeRow, perSecond, type Row } from '../support/row';
import type { BenchSettings } from '../support/settings';

const SECTION = 'Hybrid (L1 in process, Redis L2, invalidation bus), one key per call, 100 in flight';
const HOST = '127.0.0.1';
/** Half the L1 cap: every key read stays in L1, so every measured get is an L1 hit. */
const KEY_SPACE = L1_MAX_ENTRIES / 2;
const TTL_MS = 300_000;
/** Gets in the pass that checks the L1 hits: one in a hundred reaching Redis would already show. */
const L1_CHECK_CALLS = 2000;

const HYBRID_GET = 'CacheManagerService.get, CACHE_BACKEND=hybrid, L1 hit';
const FROZEN_GET = 'CacheManagerService.get, CACHE_BACKEND=hybrid, CACHE_L1_VALUES=frozen, L1 hit';
const HYBRID_SET = 'CacheManagerService.set, CACHE_BACKEND=hybrid';
const RAW = 'raw ioredis 6 GET + JSON.parse, same client options (auto-pipelining on)';
const LOCMEM_GET = 'CacheManagerService.get, CACHE_BACKEND=locmem';
const REDIS_SET = 'CacheManagerService.set, CACHE_BACKEND=redis';
const BENTO_GET = 'BentoCache 1.6 get, L1 hit';
const BENTO_SET = 'BentoCache 1.6 set';
const BENTO_L1 = `memory L1 of ${L1_MAX_ENTRIES} items holding serialized text, Redis L2, Redis bus`;
/** BentoCache's rows put its figure where ours usually stands, against the same baselines. */
const CONTENDER = ', a contender: its figure in the ideagraph-cache column';

/**
 * The hybrid backend's get on an L1 hit against a Redis GET (what it saves) and against
 * locmem (what it costs over a plain in-process cache), its set against the redis
 * backend's, and BentoCache's multi-tier cache measured the same way in the same rounds.
 */
export async function hybridThroughputRows(port: number, settings: BenchSettings): Promise<Row[]> {
  const hybrid = await startCacheContext(hybridCacheOptions(port));
  const frozen = await startCacheContext(hybridCacheOptions(port, { CACHE_L1_VALUES: 'frozen' }));
  const redisBackend = await startCacheContext({ backend: 'redis', redis: { host: HOST, port } });
  const locmem = await startCacheContext({ backend: 'locmem' });
  const raw = await connectRawIoredis(HOST, port);
  const bento = createBentoCache(HOST, port, L1_MAX_ENTRIES);
  try {
    await busLive(hybrid.cache);
    await busLive(frozen.cache);
    const values = Array.from({ length: KEY_SPACE }, (_, i) => payload(i));
    const everyKey = (op: (i: number) => Promise<unknown>): Promise<void> => {
      let next = 0;
      return withInFlight(settings.inFlight, KEY_SPACE, () => op(next++));
    };
    // Each stack has its own keys, so no write of one invalidates another's L1.
    await everyKey((i) => hybrid.cache.set(`hy:${i}`, values[i]));
    await everyKey((i) => frozen.cache.set(`hf:${i}`, values[i]));
    await everyKey((i) => redisBackend.cache.set(`rb:${i}`, values[i]));
    await everyKey((i) => locmem.cache.set(`lm:${i}`, values[i]));
    await everyKey((i) => raw.set(`raw:${i}`, JSON.stringify(values[i]), 'PX', TTL_MS));
    await everyKey((i) => bento.set({ key: `bento:${i}`, value: values[i] }));
    // Whether a write leaves the writer's own L1 filled is the backend's choice; one read
    // of every key fills it either way, before anything is timed.
    await everyKey((i) => hybrid.cache.get(`hy:${i}`));
    await everyKey((i) => frozen.cache.get(`hf:${i}`));
    await everyKey((i) => bento.get({ key: `bento:${i}` }));

    const contender = (name: string, op: (i: number) => Promise<unknown>): Contender => {
      let next = 0;
      return {
        name,
        opsPerCall: settings.batch,
        run: async () => {
          await withInFlight(settings.inFlight, settings.batch, () => op(next++ % KEY_SPACE));
          // An L1 hit needs no I/O, so batch after batch of them never let the event loop
          // reach its timers and sockets: the hybrid backend stopped hearing its own bus
          // heartbeats, declared the bus lost after BUS_SILENCE_LIMIT_MS and emptied its L1,
          // as it must. A server turns the loop for every request; one turn per batch keeps
          // the bus heard, and every contender gets the same.
          await new Promise((resolve) => setImmediate(resolve));
        },
      };
    };
    const checks = { get: new AnswerCheck(), set: new AnswerCheck() };
    const found = (value: unknown): boolean => value !== undefined && value !== null;
    const reads: Record<string, (i: number) => Promise<unknown>> = {
      hybrid: (i) => checks.get.expect('hybrid', hybrid.cache.get(`hy:${i}`), found),
      frozen: (i) => checks.get.expect('frozen', frozen.cache.get(`hf:${i}`), found),
      raw: (i) => checks.get.expect('raw', rawGetJson(raw, `raw:${i}`), found),
      locmem: (i) => checks.get.expect('locmem', locmem.cache.get(`lm:${i}`), found),
      bento: (i) => checks.get.expect('bento', bento.get({ key: `bento:${i}` }), found),
    };
    const outagesBefore = busOutages(hybrid.cache) + busOutages(frozen.cache);
    const get = await measureInRounds(
      Object.entries(reads).map(([name, read]) => contender(name, read)),
      settings.hybrid.rounds,
    );
    const l1Problem = {
      hybrid: await l1MissProblem(raw, 'hybrid gets', reads.hybrid),
      frozen: await l1MissProblem(raw, 'frozen hybrid gets', reads.frozen),
      bento: await l1MissProblem(raw, 'BentoCache gets', reads.bento),
    };
    const set = await measureInRounds(
      [
        contender('hybrid', (i) => checks.set.expect('hybrid', hybrid.cache.set(`hy:${i}`, values[i]), (ok) => ok)),
        contender('redis', (i) => checks.set.expect('redis', redisBackend.cache.set(`rb:${i}`, values[i]), (ok) => ok)),
        contender('bento', (i) =>
          checks.set.expect('bento', bento.set({ key: `bento:${i}`, value: values[i] }), (ok) => ok),
        ),
      ],
      settings.hybrid.rounds,
    );

    const outages = busOutages(hybrid.cache) + busOutages(frozen.cache) - outagesBefore;
    // While the bus is lost the hybrid reads Redis and then starts with an empty L1: its rows would not measure L1 hits.
    const busProblem = outages > 0 ? `the hybrid's bus was lost ${outages} times during the rounds` : undefined;
    const l1 = `CACHE_L1_MAX_ENTRIES=${L1_MAX_ENTRIES}, CACHE_L1_TIMEOUT=${L1_TIMEOUT_SECONDS}; ${KEY_SPACE} keys`;
    const gets = { measured: get, check: checks.get };
    const sets = { measured: set, check: checks.set };
    const hybridGet = { ...gets, measurement: HYBRID_GET, ours: 'hybrid', problem: join(busProblem, l1Problem.hybrid) };
    const hybridSet = { ...sets, measurement: HYBRID_SET, ours: 'hybrid', problem: busProblem };
    const frozenGet = { ...gets, measurement: FROZEN_GET, ours: 'frozen', problem: join(busProblem, l1Problem.frozen) };
    const bentoGet = { ...gets, measurement: `${BENTO_GET}${CONTENDER}`, ours: 'bento', problem: l1Problem.bento };
    return [
      pairRow({ ...hybridGet, baseline: 'raw', baselineName: RAW, minSpeed: 5, note: l1 }),
      pairRow({ ...hybridGet, baseline: 'locmem', baselineName: LOCMEM_GET, minSpeed: 0.8 }),
      pairRow({
        ...hybridGet,
        baseline: 'bento',
        baselineName: BENTO_GET,
        problem: join(hybridGet.problem, l1Problem.bento),
      }),
      pairRow({
        ...frozenGet,
        baseline: 'raw',
        baselineName: RAW,
        minSpeed: 10,
        note: 'one frozen value per stored text, the same for every read',
      }),
      pairRow({ ...frozenGet, baseline: 'hybrid', baselineName: HYBRID_GET }),
      pairRow({
        ...hybridSet,
        baseline: 'redis',
        baselineName: REDIS_SET,
        minSpeed: 0.8,
        note: 'the L2 write and an invalidation on the bus',
      }),
      pairRow({ ...hybridSet, baseline: 'bento', baselineName: BENTO_SET }),
      pairRow({ ...bentoGet, baseline: 'raw', baselineName: RAW, note: BENTO_L1 }),
      pairRow({ ...bentoGet, baseline: 'locmem', baselineName: LOCMEM_GET }),
      pairRow({
        ...sets,
        measurement: `${BENTO_SET}${CONTENDER}`,
        ours: 'bento',
        baseline: 'redis',
        baselineName: REDIS_SET,
      }),
    ];
  } finally {
    await hybrid.context.close();
    await frozen.context.close();
    await redisBackend.context.close();
    await locmem.context.close();
    await bento.disconnectAll();
    raw.disconnect();
  }
}

interface Pairing {
  measured: PerRound;
  check: AnswerCheck;
  measurement: string;
  ours: string;
  baseline: string;
  baselineName: string;
  minSpeed?: number;
  note?: string;
  problem?: string;
}

function pairRow(pairing: Pairing): Row {
  const { measured, ours, baseline } = pairing;
  return makeRow({
    section: SECTION,
    measurement: pairing.measurement,
    unit: 'ops/s',
    ours: perSecond(measured.ms(ours)),
    baselineName: pairing.baselineName,
    baseline: perSecond(measured.ms(baseline)),
    minSpeed: pairing.minSpeed,
    note: pairing.note,
    problem: join(pairing.problem, pairing.check.problem(ours, baseline)),
    cpuUs: { ours: measured.cpuUs(ours), baseline: measured.cpuUs(baseline) },
  });
}

function busOutages(cache: CacheManagerService): number {
  return cache.getStats().tiers?.bus.outages ?? 0;
}

function join(...problems: (string | undefined)[]): string | undefined {
  return problems.filter(Boolean).join(', ') || undefined;
}

/**
 * A fast get is only an L1 hit if Redis never heard of it: counts the key commands the
 * server ran during a pass of gets, and says so when more than 1% of them reached it.
 */
async function l1MissProblem(
  raw: Redis,
  what: string,
  read: (i: number) => Promise<unknown>,
): Promise<string | undefined> {
  const before = await keyCommandCount(raw);
  let next = 0;
  await withInFlight(100, L1_CHECK_CALLS, () => read(next++ % KEY_SPACE));
  const reached = (await keyCommandCount(raw)) - before;
  return reached > L1_CHECK_CALLS / 100
    ? `${reached} Redis commands during ${L1_CHECK_CALLS} ${what}: not L1 hits`
    : undefined;
}
