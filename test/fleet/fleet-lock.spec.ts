import { fleetLockKey } from '../../src/get-or-set/lock-key';
import { makeKeyPrefix } from '../../src/keys/cache-key';
import { RedisTestServer } from '../helpers/redis-server';
import { CallerFleet } from '../get-or-set/fleet/caller-fleet';
import type { BurstOutcome } from '../get-or-set/fleet/caller-protocol';

const PROCESSES = 4;
const CALLERS = 250;
/** Long enough that every process's callers arrive while the first factory call runs. */
const FACTORY_MS = 300;
const HARD_TIMEOUT_MS = 1500;
/** The lock lives the hard timeout plus the 2000 ms slack of fleet-claim.ts (LOCK_SLACK_MS). */
const LOCK_TTL_MS = HARD_TIMEOUT_MS + 2000;
/** Room for a loaded 2-core machine on top of the time the design needs; no tighter. */
const MARGIN_MS = 1500;
const KEY_PREFIX = 'fleet';
const TIMEOUT_SECONDS = 60;

let redis: RedisTestServer;

beforeAll(async () => {
  redis = await RedisTestServer.start();
});
afterAll(async () => {
  await redis?.stop();
});

function fulfilled(results: PromiseSettledResult<BurstOutcome>[]): BurstOutcome[] {
  const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
  return results.map((result) => (result as PromiseFulfilledResult<BurstOutcome>).value);
}

function sum(outcomes: BurstOutcome[], count: (outcome: BurstOutcome) => number): number {
  return outcomes.reduce((total, outcome) => total + count(outcome), 0);
}

describe.each(['redis', 'hybrid'])('getOrSet fleet lock with CACHE_BACKEND=%s, 4 processes', (backend) => {
  let fleet: CallerFleet | undefined;

  beforeAll(async () => {
    fleet = await CallerFleet.start(PROCESSES, {
      ...redis.env(),
      CACHE_BACKEND: backend,
      CACHE_KEY_PREFIX: KEY_PREFIX,
      CACHE_FACTORY_HARD_TIMEOUT_MS: String(HARD_TIMEOUT_MS),
      // 1000 callers on 2 cores: a lock `add` that timed out at the default 200 ms would
      // read as "Redis unavailable", and that process would rightly compute alone. This
      // test is about the lock, not about a slow Redis (redis-hung-refresh.spec.ts is).
      REDIS_COMMAND_TIMEOUT_MS: '2000',
    });
  }, 120_000);
  afterAll(async () => {
    await fleet?.stop();
  });

  it(`${PROCESSES} processes × ${CALLERS} cold callers: 1 factory call in the fleet, every caller gets its value`, async () => {
    const { startAt, outcomes } = fleet!.burst({
      key: `${backend}:cold`,
      callers: CALLERS,
      timeout: TIMEOUT_SECONDS,
      factory: { kind: 'sleep', ms: FACTORY_MS },
    });
    const results = fulfilled(await outcomes);

    expect(results.flatMap((outcome) => outcome.errors)).toEqual([]);
    expect(results.map((outcome) => outcome.answered)).toEqual(Array(PROCESSES).fill(CALLERS));
    expect(sum(results, (outcome) => outcome.factoryCalls)).toBe(1);
    expect(sum(results, (outcome) => outcome.stats.factoryCalls)).toBe(1);
    expect(new Set(results.flatMap((outcome) => outcome.values)).size).toBe(1);
    const holder = results.find((outcome) => outcome.factoryCalls === 1)!;
    const waiters = results.filter((outcome) => outcome !== holder);
    for (const waiter of waiters) expect(waiter.stats.fleetLockWaits).toBeGreaterThan(0);
    expect(Math.max(...results.map((outcome) => outcome.lastAnswerAt - startAt))).toBeLessThan(FACTORY_MS + MARGIN_MS);

    // The holder's callers answer as soon as its write is confirmed, the moment the value is
    // there to read; a waiter woken by the write's announcement may answer a hair before them.
    const storedAt = holder.firstAnswerAt;
    const woken = waiters.map((waiter) => `${waiter.firstAnswerAt - storedAt}..${waiter.lastAnswerAt - storedAt}`);
    console.log(
      `fleet lock (${backend}): ${PROCESSES} processes × ${CALLERS} callers, 1 factory call (worker ${holder.worker}); ` +
        `holder answered ${storedAt - startAt} ms after the start; waiters answered ${woken.join(', ')} ms after the holder stored ` +
        `(first..last answer per waiting process; the poll fallback would take up to 250 ms)`,
    );
  }, 60_000);

  it('with fleetLock: false, every process calls the factory itself: the calls the lock saves', async () => {
    const { startAt, outcomes } = fleet!.burst({
      key: `${backend}:unlocked`,
      callers: CALLERS,
      timeout: TIMEOUT_SECONDS,
      factory: { kind: 'sleep', ms: FACTORY_MS },
      options: { fleetLock: false },
    });
    const results = fulfilled(await outcomes);

    expect(results.flatMap((outcome) => outcome.errors)).toEqual([]);
    expect(results.map((outcome) => outcome.answered)).toEqual(Array(PROCESSES).fill(CALLERS));
    const factoryCalls = sum(results, (outcome) => outcome.factoryCalls);
    expect(factoryCalls).toBeGreaterThan(1);
    expect(sum(results, (outcome) => outcome.stats.fleetLockWaits)).toBe(0);
    const lastMs = Math.max(...results.map((outcome) => outcome.lastAnswerAt - startAt));
    console.log(
      `fleet lock off (${backend}): ${factoryCalls} factory calls for ${PROCESSES} processes × ${CALLERS} callers; last caller answered ${lastMs} ms after the start`,
    );
  }, 60_000);

  // Last in this fleet: it kills one of its processes.
  it('a holder killed mid-factory: the others time out at their hard bound while its lock stands; once it expires, exactly one process takes over', async () => {
    const key = `${backend}:takeover`;
    const lockKey = makeKeyPrefix(KEY_PREFIX, 1) + fleetLockKey(key);
    let killed: Promise<{ worker: number; lockLeftMs: number; lockExpiresAt: number }> | undefined;
    for (const worker of fleet!.workers) {
      worker.onFactoryStarted(() => {
        // The first factory never finishes: its process dies holding the lock.
        killed ??= worker.kill().then(() => {
          const lockLeftMs = Number(redis.cli('PTTL', lockKey));
          return { worker: worker.index, lockLeftMs, lockExpiresAt: Date.now() + lockLeftMs };
        });
      });
    }
    const first = fleet!.burst({ key, callers: CALLERS, timeout: TIMEOUT_SECONDS, factory: { kind: 'parent' } });
    const firstResults = await first.outcomes;
    const dead = await killed!;
    expect(firstResults[dead.worker].status).toBe('rejected');
    const timedOut = fulfilled(firstResults.filter((_, index) => index !== dead.worker));
    // The dead holder's lock outlives their bound: they are answered with the timeout, not held.
    expect(dead.lockLeftMs).toBeGreaterThan(HARD_TIMEOUT_MS);
    expect(timedOut.flatMap((outcome) => outcome.errors)).toEqual(
      Array(PROCESSES - 1).fill(expect.stringMatching(/^CacheFactoryTimeoutError/)),
    );
    expect(sum(timedOut, (outcome) => outcome.answered + outcome.factoryCalls)).toBe(0);
    expect(Math.max(...timedOut.map((outcome) => outcome.lastSettledAt - first.startAt))).toBeLessThan(
      HARD_TIMEOUT_MS + MARGIN_MS,
    );

    // Callers whose bound outlasts the dead lock wait for it, and one of them takes over.
    const starts: { worker: number; at: number }[] = [];
    for (const worker of fleet!.workers) {
      worker.onFactoryStarted((started) => {
        starts.push(started);
        // The one that takes over computes as long as a first call does: one that finished
        // at once would hide a waiter that gave up on the dead holder and computed beside it.
        setTimeout(() => worker.finishFactory(key), FACTORY_MS);
      });
    }
    const patient = { hardTimeoutMs: LOCK_TTL_MS + 5000 };
    expect(Number(redis.cli('PTTL', lockKey))).toBeGreaterThan(0);
    const living = fleet!.workers.filter((worker) => worker.index !== dead.worker);
    const { startAt, outcomes } = fleet!.burst(
      { key, callers: CALLERS, timeout: TIMEOUT_SECONDS, factory: { kind: 'parent' }, options: patient },
      living,
    );
    const survivors = fulfilled(await outcomes);
    const answered = survivors.map((outcome) => outcome.lastAnswerAt - startAt);
    console.log(
      `fleet lock takeover (${backend}): worker ${dead.worker} killed with ${dead.lockLeftMs} ms of its ${LOCK_TTL_MS} ms lock left; ` +
        `its waiters timed out at ${timedOut.map((outcome) => outcome.lastSettledAt - first.startAt).join(', ')} ms (hardTimeoutMs ${HARD_TIMEOUT_MS}); ` +
        `factory started after the lock expired by ${starts.map((started) => `worker ${started.worker} at ${started.at - dead.lockExpiresAt} ms`).join(', ') || 'nobody'}; ` +
        `last caller of each surviving process answered ${answered.join(', ')} ms after the start`,
    );

    expect(starts).toHaveLength(1);
    const takeover = starts[0];
    expect(takeover.worker).not.toBe(dead.worker);
    expect(takeover.at).toBeGreaterThanOrEqual(dead.lockExpiresAt - 250);
    expect(sum(survivors, (outcome) => outcome.factoryCalls)).toBe(1);
    expect(survivors.flatMap((outcome) => outcome.errors)).toEqual([]);
    expect(survivors.map((outcome) => outcome.answered)).toEqual(Array(PROCESSES - 1).fill(CALLERS));
    expect(survivors.flatMap((outcome) => outcome.values).map((value) => JSON.parse(value) as unknown)).toEqual(
      Array(PROCESSES - 1).fill({ by: takeover.worker, call: 1 }),
    );
    expect(Math.max(...answered)).toBeLessThan(LOCK_TTL_MS + MARGIN_MS);
  }, 60_000);
});
