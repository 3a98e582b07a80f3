import type { CacheManagerService } from '../../src';
import { redisAppFixture } from '../helpers/redis-app-fixture';

/**
 * An L1 entry never outlives its Redis TTL, even when the read that fills it reaches Redis
 * in the key's last millisecond. Redis then answers PTTL 0; an L1 filled with a TTL of 0
 * would keep the entry for ever (lru-cache reads 0 as "never expires").
 *
 * To make such reads common, each key is given lifetimes of 1 to 3 ms, one after the
 * other, and each lifetime is read by the cache right behind the write that starts it. The
 * lifetimes are written by a plain client, so no invalidation travels: only the entry's
 * own TTL can end it in L1.
 */
const fixture = redisAppFixture();

const KEYS = 100;
const LIFETIMES = 30;
const LONGEST_LIFETIME_MS = 3;
/** CACHE_L1_TIMEOUT in seconds: no L1 entry may live longer, whatever Redis answered. */
const L1_TIMEOUT_S = 1;
/** Rounds of reads of every key once the bound has passed. */
const ROUNDS_PAST_BOUND = 20;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.each([
  ['get', (cache: CacheManagerService) => (key: string) => cache.get(key)],
  ['getMany', (cache: CacheManagerService) => async (key: string) => (await cache.getMany([key]))[key]],
] as const)('hybrid %s of keys that live a few milliseconds in Redis', (_name, reader) => {
  it('never returns a value once the key expired in Redis and the L1 bound has passed', async () => {
    const cache = await fixture.cacheOn('hybrid', { CACHE_L1_TIMEOUT: String(L1_TIMEOUT_S) });
    const read = reader(cache);
    // The stored text of a value, as the cache writes it.
    await cache.set('sample', 7, 600);
    const text = (await fixture.raw.get(':1:sample'))!;
    const keys = Array.from({ length: KEYS }, (_, i) => `short:${i}`);

    let expiredBy = 0;
    let foundInLife = 0;
    await Promise.all(
      keys.map(async (key) => {
        for (let life = 0; life < LIFETIMES; life++) {
          // The plain client writes at once; the cache's read leaves on its next auto-pipeline, right behind.
          const written = fixture.raw.set(`:1:${key}`, text, 'PX', 1 + (life % LONGEST_LIFETIME_MS));
          const found = read(key);
          await written;
          // The key has expired in Redis by then: its SET had been answered, plus its lifetime.
          expiredBy = Math.max(expiredBy, performance.now() + LONGEST_LIFETIME_MS);
          if ((await found) !== undefined) foundInLife++;
        }
      }),
    );
    const bound = expiredBy + L1_TIMEOUT_S * 1000;
    await sleep(bound - performance.now() + 1);

    const kept = new Set<string>();
    for (let round = 0; round < ROUNDS_PAST_BOUND; round++) {
      const values = await Promise.all(keys.map((key) => read(key)));
      values.forEach((value, i) => value !== undefined && kept.add(keys[i]));
    }
    // Not vacuous: many lifetimes were read while the key lived.
    expect(foundInLife).toBeGreaterThan(KEYS);
    expect({ kept: kept.size, first: [...kept][0] }).toEqual({ kept: 0, first: undefined });
  }, 60_000);
});
