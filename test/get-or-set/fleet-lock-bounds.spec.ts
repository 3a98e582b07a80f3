import { RedisTestServer } from '../helpers/redis-server';
import { CallerFleet } from './fleet/caller-fleet';
import type { CallerProcess } from './fleet/caller-process';

/** fleet-claim.ts: a lock lives its holder's hard timeout plus 2000 ms (LOCK_SLACK_MS). */
const LOCK_SLACK_MS = 2000;
/** Room for a loaded 2-core machine on top of a bound; well below the slack a lock wait used to add. */
const MARGIN_MS = 1200;
const CALLERS = 20;
const BURST_BOUND_MS = 30_000;

let redis: RedisTestServer;

beforeAll(async () => {
  redis = await RedisTestServer.start();
});
afterAll(async () => {
  await redis?.stop();
});

/** Starts one caller of `key` in `holder` whose factory waits for the test; resolves with its outcome promise once the factory runs. */
async function holdLock(holder: CallerProcess, key: string, hardTimeoutMs: number) {
  const started = new Promise<{ at: number }>((resolve) =>
    holder.onFactoryStarted((notice) => notice.key === key && resolve(notice)),
  );
  const outcome = holder.burst(
    { key, callers: 1, startAt: Date.now(), timeout: 60, factory: { kind: 'parent' }, options: { hardTimeoutMs } },
    BURST_BOUND_MS,
  );
  const { at } = await started;
  holder.onFactoryStarted(undefined);
  return { lockedAt: at, outcome };
}

describe.each(['redis', 'hybrid'])(
  'hardTimeoutMs bounds fleet-lock waiters with CACHE_BACKEND=%s, 2 processes',
  (backend) => {
    let fleet: CallerFleet | undefined;

    beforeAll(async () => {
      fleet = await CallerFleet.start(2, {
        ...redis.env(),
        CACHE_BACKEND: backend,
        CACHE_KEY_PREFIX: 'bounds',
        REDIS_COMMAND_TIMEOUT_MS: '2000',
      });
    }, 120_000);
    afterAll(async () => {
      await fleet?.stop();
    });

    it('waiters on a lock held by a factory still within its bound get CacheFactoryTimeoutError at their own hard timeout, and compute nothing', async () => {
      const [a, b] = fleet!.workers;
      const key = `${backend}:held`;
      const held = await holdLock(a, key, 20_000);
      const startAt = Date.now();
      const waiters = await b.burst(
        {
          key,
          callers: CALLERS,
          startAt,
          timeout: 60,
          factory: { kind: 'sleep', ms: 20 },
          options: { hardTimeoutMs: 500 },
        },
        BURST_BOUND_MS,
      );

      expect(waiters.answered).toBe(0);
      expect(waiters.factoryCalls).toBe(0);
      expect(waiters.errors).toEqual([expect.stringMatching(/^CacheFactoryTimeoutError/)]);
      // Before, they waited out their own 500 + 2000 ms lock TTL and then computed beside the holder.
      expect(waiters.lastSettledAt - startAt).toBeLessThan(500 + MARGIN_MS);

      a.finishFactory(key);
      const holder = await held.outcome;
      expect(holder.answered).toBe(1);
      expect(holder.values).toEqual([JSON.stringify({ by: a.index, call: 1 })]);
    }, 60_000);

    it("once the holder's caller times out, its lock is released and a waiter computes the key within its own bound", async () => {
      const [a, b] = fleet!.workers;
      const key = `${backend}:orphaned`;
      const holderTimeoutMs = 600;
      const held = await holdLock(a, key, holderTimeoutMs);
      const waiters = await b.burst(
        {
          key,
          callers: CALLERS,
          startAt: Date.now(),
          timeout: 60,
          factory: { kind: 'sleep', ms: 20 },
          options: { hardTimeoutMs: 5000 },
        },
        BURST_BOUND_MS,
      );
      const holder = await held.outcome;

      expect(holder.answered).toBe(0);
      expect(holder.errors).toEqual([expect.stringMatching(/^CacheFactoryTimeoutError/)]);
      expect(waiters.errors).toEqual([]);
      expect(waiters.answered).toBe(CALLERS);
      expect(waiters.factoryCalls).toBe(1);
      expect(waiters.values).toEqual([JSON.stringify({ by: b.index, call: 1 })]);
      // Before, they waited until the orphan's lock expired: holderTimeoutMs + 2000 ms after it was taken.
      expect(waiters.lastAnswerAt - held.lockedAt).toBeLessThan(holderTimeoutMs + LOCK_SLACK_MS - 400);
      a.finishFactory(key);
    }, 60_000);
  },
);
