import { BUS_STALENESS_BOUND_MS } from '../../src/bus/bus-timing';
import { RedisClusterTest } from '../helpers/redis-cluster';
import { RedisTestServer } from '../helpers/redis-server';
import { startAll } from '../helpers/start-all';
import { BatchProcess } from './batch-fleet/batch-process';
import type { WatchRound } from './batch-fleet/batch-protocol';

const BATCH = 5000;
/** The reader watches the keys of the batch's last 1000: they are written last. */
const WATCHED = 1000;
/** How long the watches go on after the write returned: past the bound, with rounds to spare. */
const WATCH_PAST_BOUND_MS = 1500;

const keys = batchKeys(BATCH);
const watched = keys.slice(BATCH - WATCHED);

function batchKeys(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `batch:${i}`);
}

interface Topology {
  env: Record<string, string>;
  stop(): Promise<void>;
}

async function standalone(): Promise<Topology> {
  const server = await RedisTestServer.start();
  return { env: server.env(), stop: () => server.stop() };
}

async function cluster(): Promise<Topology> {
  const nodes = await RedisClusterTest.start({ masters: 3, replicasPerMaster: 0 });
  return { env: nodes.env(), stop: () => nodes.stop() };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rounds that started after `from` and still saw a stale value: how many, and the last one as [ms after `from`, keys]. */
function staleAfter(rounds: WatchRound[], from: number): { rounds: number; last?: [number, number] } {
  const stale = rounds.filter(([startedAt, staleKeys]) => startedAt > from && staleKeys > 0);
  if (stale.length === 0) return { rounds: 0 };
  const [startedAt, staleKeys] = stale[stale.length - 1];
  return { rounds: stale.length, last: [startedAt - from, staleKeys] };
}

/**
 * Batches larger than one Redis command (1000 keys) on the hybrid backend, with real
 * processes: a writer writes 5000 keys while a reader, and the writer itself, read the
 * last 1000 in a loop. Once the write returned, the reader may serve an old value only
 * within the bus's bound, and the writer never: it reads its own writes.
 */
describe.each([
  ['standalone', standalone],
  ['cluster', cluster],
] as const)('hybrid batches of 5000 keys on %s', (_name, start) => {
  let topology: Topology;
  let writer: BatchProcess;
  let reader: BatchProcess;

  beforeAll(async () => {
    topology = await start();
    // A loose command bound: on a loaded machine a 5000-key batch may outlast the default
    // one, and a batch that times out answers false; this test is about what is read after.
    const env = { ...topology.env, CACHE_BACKEND: 'hybrid', REDIS_COMMAND_TIMEOUT_MS: '10000' };
    // The first process fills the transpile cache, so the second starts in a fraction of the time.
    const first = await BatchProcess.start(0, env);
    [writer, reader] = await startAll([Promise.resolve(first), BatchProcess.start(1, env)], (worker) => worker.stop());
  }, 120_000);

  afterAll(async () => {
    await Promise.all([writer?.stop(), reader?.stop()]);
    await topology?.stop();
  });

  /** Runs `write` while both processes watch the last keys for `stale`; the rounds of each, and when the write returned. */
  async function watchedWrite(
    stale: string,
    write: () => Promise<{ ok: boolean; returnedAt: number }>,
    last = watched,
  ) {
    await Promise.all([writer.watch(last, stale), reader.watch(last, stale)]);
    // Both loops have filled their L1 with the stale values and run at full speed.
    await sleep(300);
    const { ok, returnedAt } = await write();
    expect(ok).toBe(true);
    await sleep(Math.max(0, returnedAt + BUS_STALENESS_BOUND_MS + WATCH_PAST_BOUND_MS - Date.now()));
    const [writerRounds, readerRounds] = await Promise.all([writer.unwatch(), reader.unwatch()]);
    // Not vacuous: both read the keys again and again after the bound.
    expect(
      readerRounds.filter(([startedAt]) => startedAt > returnedAt + BUS_STALENESS_BOUND_MS).length,
    ).toBeGreaterThan(3);
    expect(writerRounds.filter(([startedAt]) => startedAt > returnedAt).length).toBeGreaterThan(3);
    return { writerRounds, readerRounds, returnedAt };
  }

  it.each([
    ['with a timeout (one script per 1000 keys)', 300],
    ['without a timeout (MSET)', null],
  ] as const)(
    'setMany %s: no process serves an old value once the bound has passed',
    async (_case, timeoutSeconds) => {
      for (const [round, [before, after]] of [
        ['a', 'b'],
        ['b', 'c'],
      ].entries()) {
        const first = await writer.setMany(keys, `${before}${round}`, timeoutSeconds);
        expect(first.ok).toBe(true);
        const { writerRounds, readerRounds, returnedAt } = await watchedWrite(`${before}${round}`, () =>
          writer.setMany(keys, `${after}${round}`, timeoutSeconds),
        );
        expect(staleAfter(writerRounds, returnedAt)).toEqual({ rounds: 0 });
        expect(staleAfter(readerRounds, returnedAt + BUS_STALENESS_BOUND_MS)).toEqual({ rounds: 0 });
        for (const worker of [writer, reader]) {
          const values = await worker.read(keys);
          expect(values.filter((value) => value !== `${after}${round}`).length).toBe(0);
        }
      }
    },
    120_000,
  );

  it('deleteMany: no process serves a deleted value once the bound has passed, the writer not even at once', async () => {
    for (const round of [0, 1]) {
      const value = `d${round}`;
      expect((await writer.setMany(keys, value, 300)).ok).toBe(true);
      const { writerRounds, readerRounds, returnedAt } = await watchedWrite(value, () => writer.deleteMany(keys));
      expect(staleAfter(writerRounds, returnedAt)).toEqual({ rounds: 0 });
      expect(staleAfter(readerRounds, returnedAt + BUS_STALENESS_BOUND_MS)).toEqual({ rounds: 0 });
      for (const worker of [writer, reader]) {
        const values = await worker.read(keys);
        expect(values.filter((found) => found !== null).length).toBe(0);
      }
    }
  }, 120_000);

  it('setMany of 12,000 keys, which the bus sends as one clear of the scope: no process serves an old value once the bound has passed', async () => {
    const many = batchKeys(12_000);
    const last = many.slice(many.length - WATCHED);
    expect((await writer.setMany(many, 'old', 300)).ok).toBe(true);
    const { writerRounds, readerRounds, returnedAt } = await watchedWrite(
      'old',
      () => writer.setMany(many, 'new', 300),
      last,
    );
    expect(staleAfter(writerRounds, returnedAt)).toEqual({ rounds: 0 });
    expect(staleAfter(readerRounds, returnedAt + BUS_STALENESS_BOUND_MS)).toEqual({ rounds: 0 });
    for (const worker of [writer, reader])
      expect((await worker.read(last)).filter((value) => value !== 'new').length).toBe(0);
  }, 120_000);

  it('invalidateTags of 2500 tags: no process serves an entry of the last tags once the bound has passed', async () => {
    const tags = Array.from({ length: 2500 }, (_, i) => `tag:${i}`);
    // 200 entries, each with one of the last 200 tags: their versions are written last.
    const entries = Array.from({ length: 200 }, (_, i): [string, string] => [`tagged:${i}`, tags[tags.length - 1 - i]]);
    const tagged = entries.map(([key]) => key);
    // Every tag gets a version first, so the invalidation renews all 2500.
    expect((await writer.invalidateTags(tags)).ok).toBe(true);
    expect((await writer.setTagged(entries, 'tagged')).ok).toBe(true);
    const { writerRounds, readerRounds, returnedAt } = await watchedWrite(
      'tagged',
      () => writer.invalidateTags(tags),
      tagged,
    );
    expect(staleAfter(writerRounds, returnedAt)).toEqual({ rounds: 0 });
    expect(staleAfter(readerRounds, returnedAt + BUS_STALENESS_BOUND_MS)).toEqual({ rounds: 0 });
  }, 120_000);
});
