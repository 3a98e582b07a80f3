import { CacheFactoryTimeoutError } from '../../src';
import { redisAppFixture } from '../helpers/redis-app-fixture';

/** Far above any bound of these tests: a call still pending then waits for the hung factory, not for the machine. */
const PENDING_LIMIT_MS = 8000;
const HARD_TIMEOUT_MS = 300;

const fixture = redisAppFixture();
const never = () => new Promise<never>(() => undefined);

/** What `call` settled as within PENDING_LIMIT_MS: its value, its error, or 'pending'. */
async function settled<T>(call: Promise<T>): Promise<{ value: T } | { error: unknown } | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'pending'>((resolve) => (timer = setTimeout(() => resolve('pending'), PENDING_LIMIT_MS)));
  try {
    return await Promise.race([
      call.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      ),
      limit,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

describe.each(['locmem', 'hybrid'] as const)('a hung getOrSetMany factory on %s', (backend) => {
  it('rejects at its hard timeout, and later getOrSet and getOrSetMany callers of its keys compute them', async () => {
    const cache = await fixture.cacheOn(backend);
    const options = { hardTimeoutMs: HARD_TIMEOUT_MS };
    await expect(cache.getOrSetMany(['a', 'b'], never, 60, options)).rejects.toBeInstanceOf(CacheFactoryTimeoutError);

    const single = await settled(cache.getOrSet('a', () => 'a fresh', 60, options));
    const many = await settled(
      cache.getOrSetMany(
        ['b', 'c'],
        (missing) => Object.fromEntries(missing.map((key) => [key, `${key} fresh`])),
        60,
        options,
      ),
    );
    expect(single).toEqual({ value: 'a fresh' });
    expect(many).toEqual({ value: { b: 'b fresh', c: 'c fresh' } });
  }, 30_000);

  it('callers that joined its keys while it ran are answered at its hard timeout, not held by it', async () => {
    const cache = await fixture.cacheOn(backend);
    let started!: () => void;
    const computing = new Promise<void>((resolve) => (started = resolve));
    const hung = cache
      .getOrSetMany(['x', 'y'], () => (started(), never()), 60, { hardTimeoutMs: HARD_TIMEOUT_MS })
      .catch((error: unknown) => error);
    await computing;
    // Started while the hung call computes x and y: they join it instead of computing.
    const joinedSingle = settled(cache.getOrSet('x', () => 'x own', 60, { hardTimeoutMs: 20_000 }));
    const joinedMany = settled(
      cache.getOrSetMany(['y', 'z'], (missing) => Object.fromEntries(missing.map((key) => [key, `${key} own`])), 60, {
        hardTimeoutMs: 20_000,
      }),
    );
    expect(await hung).toBeInstanceOf(CacheFactoryTimeoutError);
    const single = await joinedSingle;
    expect(single).not.toBe('pending');
    expect((single as { error: unknown }).error).toBeInstanceOf(CacheFactoryTimeoutError);
    // The joined key failed with the computation it joined; the key it computed itself is there.
    expect(await joinedMany).toEqual({ value: { z: 'z own' } });
    expect(cache.getStats().getOrSet.hardTimeouts).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
