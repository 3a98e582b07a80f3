import { CacheFactoryTimeoutError } from '../../src';
import { fleetLockKey } from '../../src/get-or-set/lock-key';
import { makeKeyPrefix } from '../../src/keys/cache-key';
import { redisAppFixture } from '../helpers/redis-app-fixture';
import { until } from '../helpers/until';

/** fleet-claim.ts: a lock lives its holder's hard timeout plus 2000 ms (LOCK_SLACK_MS). */
const LOCK_SLACK_MS = 2000;
/** Room for a loaded 2-core machine on top of a bound; well below the slack a lock wait used to add. */
const MARGIN_MS = 700;

const fixture = redisAppFixture();
const never = () => new Promise<never>(() => undefined);
const lockKeyOf = (key: string) => makeKeyPrefix('', 1) + fleetLockKey(key);

describe.each(['redis', 'hybrid'] as const)('hardTimeoutMs bounds every wait of one process on %s', (backend) => {
  it("the fleet lock of a factory that timed out is released at its caller's hard timeout; the factory runs on", async () => {
    const cache = await fixture.cacheOn(backend);
    let finish!: (value: string) => void;
    const late = new Promise<string>((resolve) => (finish = resolve));
    await expect(cache.getOrSet('orphan', () => late, 60, { hardTimeoutMs: 300 })).rejects.toBeInstanceOf(
      CacheFactoryTimeoutError,
    );
    // Before, the lock stayed for the rest of its 300 + 2000 ms TTL.
    await until(
      async () => (await fixture.raw.exists(lockKeyOf('orphan'))) === 0,
      "the orphan's lock to be released",
      LOCK_SLACK_MS / 2,
    );
    finish('late');
    await until(async () => (await cache.get('orphan')) === 'late', "the orphan's result to be stored");
  });

  it('a later call in the same process does not wait for the lock of a factory that timed out: its own factory answers', async () => {
    const cache = await fixture.cacheOn(backend);
    await expect(cache.getOrSet('stuck', never, 60, { hardTimeoutMs: 300 })).rejects.toBeInstanceOf(
      CacheFactoryTimeoutError,
    );
    const started = performance.now();
    const value = await cache.getOrSet('stuck', () => 'fast', 60, { hardTimeoutMs: 1000 });
    const waitedMs = performance.now() - started;
    expect(value).toBe('fast');
    // Before, it waited out the orphan's lock: about 2000 ms (300 + 2000 ms TTL, less the 300 ms gone).
    expect(waitedMs).toBeLessThan(1000 + MARGIN_MS);
    expect(await cache.get('stuck')).toBe('fast');
    // Released after its value was stored, by the call that took it over.
    await until(
      async () => (await fixture.raw.exists(lockKeyOf('stuck'))) === 0,
      'the lock to be released',
      LOCK_SLACK_MS / 2,
    );
  });

  it('with a stale value the lock stays with the running factory, which refreshes the key for everyone', async () => {
    const cache = await fixture.cacheOn(backend);
    await cache.getOrSet('refresh', () => 'old', 0.2, { grace: 60 });
    await until(async () => (await cache.get('refresh')) === undefined, 'the entry to turn stale');
    let finish!: (value: string) => void;
    const slow = new Promise<string>((resolve) => (finish = resolve));
    expect(
      await cache.getOrSet('refresh', () => slow, 60, { grace: 60, softTimeoutMs: 50, hardTimeoutMs: 20_000 }),
    ).toBe('old');
    expect(await fixture.raw.exists(lockKeyOf('refresh'))).toBe(1);
    let calls = 0;
    expect(await cache.getOrSet('refresh', () => (calls++, 'other'), 60, { grace: 60, softTimeoutMs: 50 })).toBe('old');
    expect(calls).toBe(0);
    finish('new');
    await until(async () => (await cache.get('refresh')) === 'new', 'the refreshed value');
  });
});
