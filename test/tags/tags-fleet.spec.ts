import calculateSlot from 'cluster-key-slot';
import Redis, { type Cluster } from 'ioredis';
import { rawClusterClient, RedisClusterTest } from '../helpers/redis-cluster';
import { RedisTestServer } from '../helpers/redis-server';
import type { MissWatch } from './fleet/tag-fleet-protocol';
import { TagFleet } from './fleet/tag-fleet';
import { classifyKeys, INVALIDATED_TAGS, writesOf, writtenValues } from './fleet/tagged-workload';
import { readStoredTexts, versionKey } from './fleet/stored-texts';
import { renewVersionsAroundBus } from './fleet/versions-around-bus';
import { wallClockMs } from './fleet/wall-clock';

const PROCESSES = 3;
const TIMEOUT_SECONDS = 300;
/**
 * The bus delivers in about a millisecond, and the figures here stay under 100 ms; the rest
 * is room for a loaded 2-core machine. Kept below BUS_STALENESS_BOUND_MS (2000 ms), after
 * which a process that stopped hearing its bus bypasses L1: a pass cannot come from that.
 */
const BUS_BOUND_MS = 1000;
/** Longer than this whole file: while a test runs, only the bus can make an L1 let go. */
const LONG_L1_TIMEOUT_SECONDS = 600;
const SHORT_L1_TIMEOUT_SECONDS = 2;
/** The processes' clocks (performance.timeOrigin) and L1's (performance.now) may differ by a few ms. */
const CLOCK_SLACK_MS = 50;

const classes = classifyKeys(PROCESSES);
const allKeys = [...classes.gone, ...classes.keptTagged, ...classes.untagged];
const keptKeys = [...classes.keptTagged, ...classes.untagged];
const allTags = [
  ...new Set(Array.from({ length: PROCESSES }, (_, worker) => writesOf(worker).flatMap((write) => write.tags)).flat()),
];

type Topology = 'standalone' | 'cluster';
let redis: RedisTestServer;
let cluster: RedisClusterTest;
const raw: Partial<Record<Topology, Redis | Cluster>> = {};
/** One fleet for every scenario: each boots a new app in the same processes, in a fraction of a process start. */
let fleet: TagFleet;

beforeAll(async () => {
  // No replicas: nothing here fails over, and three fewer servers leave the cores to the workers.
  [redis, cluster, fleet] = await Promise.all([
    RedisTestServer.start(),
    RedisClusterTest.start({ masters: 3, replicasPerMaster: 0 }),
    TagFleet.start(PROCESSES),
  ]);
  raw.standalone = new Redis(redis.port, redis.host);
  raw.cluster = await rawClusterClient(cluster.seeds);
}, 120_000);
afterAll(async () => {
  await fleet?.stop();
  raw.standalone?.disconnect();
  raw.cluster?.disconnect();
  await Promise.all([redis?.stop(), cluster?.stop()]);
});

function connection(topology: Topology): Record<string, string> {
  return topology === 'standalone' ? redis.env() : cluster.env();
}

function fleetEnv(
  topology: Topology,
  backend: string,
  keyPrefix: string,
  l1TimeoutSeconds: number,
): Record<string, string> {
  return {
    ...connection(topology),
    CACHE_BACKEND: backend,
    CACHE_KEY_PREFIX: keyPrefix,
    CACHE_L1_TIMEOUT: String(l1TimeoutSeconds),
    // On a loaded 2-core machine a 200 ms bound times out now and then, and a read that
    // timed out may be answered from L1 (stale-if-error): the fault path, not this test's.
    REDIS_COMMAND_TIMEOUT_MS: '2000',
  };
}

/** Writes every process's entries, then has every process read every key: each L1 holds every entry and every tag's version. */
async function writeAndWarm(fleet: TagFleet): Promise<void> {
  const written = await fleet.each((worker) => worker.write(writesOf(worker.index), TIMEOUT_SECONDS));
  expect(written).toEqual(written.map((results) => results.map(() => true)));
  const warmed = await fleet.each((worker) => worker.read(allKeys, 'get'));
  for (const outcome of warmed) expect(outcome.readings).toEqual(classes.written);
}

/** Every process reads every key until the invalidated ones all miss, and checks that the others keep their values meanwhile. */
function watchFor(boundMs: number): MissWatch {
  return { gone: classes.gone, kept: writtenValues(classes, keptKeys), boundMs };
}

function ms(value: number): string {
  return value.toFixed(1);
}

describe.each([
  { backend: 'hybrid', topology: 'standalone' as const },
  { backend: 'hybrid', topology: 'cluster' as const },
  { backend: 'redis', topology: 'cluster' as const },
])('invalidateTags across 3 processes: CACHE_BACKEND=$backend on $topology Redis', ({ backend, topology }) => {
  const keyPrefix = `tags-${backend}-${topology}`;
  const storePrefix = `${keyPrefix}:1:`;
  const storeKeys = [...allKeys.map((key) => storePrefix + key), ...allTags.map((tag) => versionKey(storePrefix, tag))];

  beforeAll(async () => {
    await fleet.boot(fleetEnv(topology, backend, keyPrefix, LONG_L1_TIMEOUT_SECONDS));
  }, 30_000);

  it(`one process invalidates ${INVALIDATED_TAGS.join(', ')}: within ${BUS_BOUND_MS} ms no process reads an entry that carried one; the others keep their values`, async () => {
    const client = raw[topology]!;
    if (topology === 'cluster') {
      // Entries on every master, so that no shard's reads go untested.
      const masterOf = (key: string) => (client as Cluster).slots[calculateSlot(key)][0];
      expect(new Set(allKeys.map((key) => masterOf(storePrefix + key))).size).toBe(3);
    }
    await writeAndWarm(fleet);
    const before = await readStoredTexts(client, storeKeys);

    const { outcomes, invalidation } = await fleet.watchAround(watchFor(BUS_BOUND_MS), () =>
      fleet.workers[1].invalidate(INVALIDATED_TAGS),
    );

    expect(invalidation.ok).toBe(true);
    const seenAfter = outcomes.map((outcome) =>
      outcome.allMissedAt === null ? Number.POSITIVE_INFINITY : outcome.allMissedAt - invalidation.returnedAt,
    );
    const lastOldSent = outcomes.map((outcome) => (outcome.lastServedSentAt ?? Number.NaN) - invalidation.returnedAt);
    console.log(
      `invalidateTags (${backend} on ${topology}, ${PROCESSES} processes): invalidateTags took ${ms(invalidation.returnedAt - invalidation.startedAt)} ms; ` +
        `every process missed every entry of ${INVALIDATED_TAGS.join(', ')} (${classes.gone.length} keys) ${ms(Math.max(...seenAfter))} ms after it returned; ` +
        `process ${outcomes.map((o) => o.worker).join('/')} by ${seenAfter.map(ms).join(' / ')} ms (the last read that found an old entry was sent at ${lastOldSent.map(ms).join(' / ')} ms; ` +
        `${outcomes.map((o) => o.rounds).join(' / ')} rounds of get + getMany over ${allKeys.length} keys)`,
    );
    for (const outcome of outcomes) {
      // Watching already: a process that started late would measure the delay of its start.
      expect(outcome.firstReadAt).toBeLessThan(invalidation.startedAt);
      expect({ keptWrong: outcome.keptWrong, example: outcome.keptWrongExample }).toEqual({
        keptWrong: 0,
        example: undefined,
      });
    }
    expect(Math.max(...seenAfter)).toBeLessThanOrEqual(BUS_BOUND_MS);
    // Without an L1 every read asks Redis, which has the new versions once invalidateTags returns.
    if (backend === 'redis') expect(Math.max(...lastOldSent)).toBeLessThan(0);

    if (backend === 'hybrid') {
      // Untouched by the invalidation in every L1: entries and versions all answered with no read of Redis.
      const fromL1 = await fleet.each((worker) => worker.read(keptKeys, 'get'));
      for (const outcome of fromL1) {
        expect(outcome.readings).toEqual(writtenValues(classes, keptKeys));
        expect(outcome.tiers).toEqual({ l1Hits: expect.any(Number), l2Hits: 0 });
        expect(outcome.tiers!.l1Hits).toBeGreaterThanOrEqual(keptKeys.length);
      }
    }
    for (const worker of fleet.workers) {
      for (const via of ['get', 'getMany', 'getOrSet'] as const) {
        const outcome = await worker.read(allKeys, via);
        expect({ worker: worker.index, via, readings: outcome.readings }).toEqual({
          worker: worker.index,
          via,
          readings: writtenValues(classes, keptKeys),
        });
        if (via === 'getOrSet') expect(outcome.factoryRuns.sort()).toEqual([...classes.gone].sort());
      }
    }

    // In Redis: no entry was rewritten or deleted, untagged values are the plain JSON written, and only the invalidated tags' versions changed.
    const after = await readStoredTexts(client, storeKeys);
    for (const key of allKeys)
      expect({ key, text: after[storePrefix + key] }).toEqual({ key, text: before[storePrefix + key] });
    for (const key of classes.untagged) expect(after[storePrefix + key]).toBe(classes.written[key]);
    for (const tag of allTags) {
      const key = versionKey(storePrefix, tag);
      expect(after[key]).toEqual(expect.any(String));
      if (INVALIDATED_TAGS.includes(tag)) expect(after[key]).not.toBe(before[key]);
      else expect(after[key]).toBe(before[key]);
    }

    // Written again under the new versions, by one process: every process reads the new
    // values once the write's own bus message has dropped the invalidated copies from its L1.
    const recomputed = await fleet.workers[2].recompute(classes.gone, INVALIDATED_TAGS, TIMEOUT_SECONDS);
    const recomputedAt = wallClockMs();
    expect(
      Object.values(recomputed).map((text) => (JSON.parse(text) as { recomputedBy: number }).recomputedBy),
    ).toEqual(classes.gone.map(() => 2));
    const reread = await fleet.readUntil(classes.gone, recomputed, BUS_BOUND_MS);
    console.log(
      `written again (${backend} on ${topology}): every process read the ${classes.gone.length} new values ${ms(wallClockMs() - recomputedAt)} ms after the write returned, in ${reread.rounds} rounds`,
    );
    for (const outcome of reread.outcomes) expect(outcome.readings).toEqual(recomputed);
  }, 60_000);
});

describe.each(['standalone', 'cluster'] as const)(
  `new versions written around the bus: hybrid on %s Redis, CACHE_L1_TIMEOUT=${SHORT_L1_TIMEOUT_SECONDS}`,
  (topology) => {
    const keyPrefix = `tags-around-bus-${topology}`;
    const storePrefix = `${keyPrefix}:1:`;

    beforeAll(async () => {
      // On the bus alone: with tracking (CACHE_L1_INVALIDATION=auto on standalone), Redis reports writes made around the module.
      await fleet.boot({
        ...fleetEnv(topology, 'hybrid', keyPrefix, SHORT_L1_TIMEOUT_SECONDS),
        CACHE_L1_INVALIDATION: 'bus',
      });
    }, 30_000);

    it('every L1 keeps serving the invalidated entries until CACHE_L1_TIMEOUT: the fleet test above depends on the bus', async () => {
      const l1TimeoutMs = SHORT_L1_TIMEOUT_SECONDS * 1000;
      const writesStartedAt = wallClockMs();
      await writeAndWarm(fleet);
      const warmedAt = wallClockMs();

      const { outcomes, invalidation } = await fleet.watchAround(watchFor(l1TimeoutMs + BUS_BOUND_MS), async () => {
        const startedAt = wallClockMs();
        await renewVersionsAroundBus(raw[topology]!, storePrefix, INVALIDATED_TAGS);
        return { startedAt, returnedAt: wallClockMs() };
      });

      const servedFor = outcomes.map((outcome) => (outcome.lastServedSentAt ?? Number.NaN) - invalidation.returnedAt);
      const missedAfter = outcomes.map(
        (outcome) => (outcome.allMissedAt ?? Number.POSITIVE_INFINITY) - invalidation.returnedAt,
      );
      console.log(
        `versions written around the bus (hybrid on ${topology}, CACHE_L1_TIMEOUT=${SHORT_L1_TIMEOUT_SECONDS}): ` +
          `the last read that found an old tagged entry was sent ${servedFor.map(ms).join(' / ')} ms after the write, the first that missed one ` +
          `${outcomes.map((outcome) => ms((outcome.firstMissSentAt ?? Number.NaN) - invalidation.returnedAt)).join(' / ')} ms; all missed by ${missedAfter.map(ms).join(' / ')} ms ` +
          `(the L1s were filled ${ms(invalidation.returnedAt - warmedAt)}..${ms(invalidation.returnedAt - writesStartedAt)} ms before the write)`,
      );
      for (const outcome of outcomes) {
        expect(outcome.firstReadAt).toBeLessThan(invalidation.startedAt);
        expect({ keptWrong: outcome.keptWrong, example: outcome.keptWrongExample }).toEqual({
          keptWrong: 0,
          example: undefined,
        });
        // Served from L1 for as long as L1 keeps the old versions, which it filled after writesStartedAt and keeps for the L1 timeout:
        // no read sent before then missed.
        expect(outcome.firstMissSentAt).toBeGreaterThanOrEqual(writesStartedAt + l1TimeoutMs - CLOCK_SLACK_MS);
        // And then no longer: the versions read again from Redis are the new ones.
        expect(outcome.allMissedAt).not.toBeNull();
        expect(outcome.allMissedAt!).toBeLessThanOrEqual(warmedAt + l1TimeoutMs + BUS_BOUND_MS);
      }
    }, 60_000);
  },
);
