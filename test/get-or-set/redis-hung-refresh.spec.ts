import { setTimeout as sleep } from 'node:timers/promises';
import type { INestApplication } from '@nestjs/common';
import { CacheHealthService, CacheManagerService } from '../../src';
import type { GetOrSetOptions } from '../../src/get-or-set/get-or-set-options';
import { RedisTestServer } from '../helpers/redis-server';
import { createCacheApp } from '../helpers/test-app';

const COMMAND_TIMEOUT_MS = 200;
/** Several command bounds (read, lock add and read, write) plus wide room for a loaded machine; no tighter. */
const MAX_CALL_MS = 2000;
const CALLERS = 100;
/** Entry timeout, in seconds: short, so the test reaches the refresh point and the timeout quickly. */
const TIMEOUT_SECONDS = 1;
const OPTIONS: GetOrSetOptions = { grace: 60, refreshAhead: 0.5 };
/** After Redis is back, the breaker's cooldown and the recovery of the writes that failed. */
const RECOVERY_BOUND_MS = 5000;

interface Produced {
  n: number;
}

/** A factory that stands for a database: it works while Redis hangs, and numbers its results. */
function numberedFactory(): { factory: () => Produced; calls: () => number } {
  let n = 0;
  return { factory: () => ({ n: ++n }), calls: () => n };
}

interface BurstFigures {
  throws: string[];
  /** How many callers got each value, by its number. */
  served: Record<number, number>;
  maxMs: number;
  endedAt: number;
}

async function timedBurst(cache: CacheManagerService, key: string, factory: () => Produced): Promise<BurstFigures> {
  const served: Record<number, number> = {};
  const throws: string[] = [];
  let maxMs = 0;
  await Promise.all(
    Array.from({ length: CALLERS }, async () => {
      const started = performance.now();
      try {
        const value = await cache.getOrSet(key, factory, TIMEOUT_SECONDS, OPTIONS);
        served[value.n] = (served[value.n] ?? 0) + 1;
      } catch (error) {
        throws.push(String(error));
      }
      maxMs = Math.max(maxMs, performance.now() - started);
    }),
  );
  return { throws, served, maxMs: Math.round(maxMs), endedAt: Date.now() };
}

/** A getOrSet that must answer within MAX_CALL_MS, like any call while Redis hangs. */
async function boundedGetOrSet(cache: CacheManagerService, key: string, factory: () => Produced): Promise<Produced> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`a getOrSet after Redis came back did not answer within ${MAX_CALL_MS} ms`)),
      MAX_CALL_MS,
    );
  });
  try {
    return await Promise.race([cache.getOrSet(key, factory, TIMEOUT_SECONDS, OPTIONS), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The cache is back once a getOrSet stores its factory's value and the next one reads it without calling the factory. */
async function recovery(
  cache: CacheManagerService,
  key: string,
  factory: () => Produced,
  calls: () => number,
): Promise<{ value: Produced; afterMs: number }> {
  const started = Date.now();
  for (;;) {
    const before = calls();
    const value = await boundedGetOrSet(cache, key, factory);
    const again = await boundedGetOrSet(cache, key, factory);
    if (calls() === before + 1 && value.n === calls() && again.n === value.n)
      return { value, afterMs: Date.now() - started };
    if (Date.now() - started > RECOVERY_BOUND_MS)
      throw new Error(`the cache did not recover within ${RECOVERY_BOUND_MS} ms`);
    await sleep(100);
  }
}

let server: RedisTestServer;

beforeAll(async () => {
  server = await RedisTestServer.start();
});
afterAll(async () => {
  server?.resume();
  await server?.stop();
});

describe.each(['redis', 'hybrid'])(
  'getOrSet with grace and refresh-ahead while Redis hangs, CACHE_BACKEND=%s',
  (backend) => {
    let app: INestApplication | undefined;
    let cache: CacheManagerService;

    beforeEach(async () => {
      // On the bus: with tracking, Redis reports the writer's own getOrSet fill back to it, and its L1 drops the entry until the next read (docs/hybrid.md#tracking).
      app = await createCacheApp({
        ...server.env(),
        CACHE_BACKEND: backend,
        CACHE_KEY_PREFIX: 'hung',
        REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS),
        CACHE_L1_INVALIDATION: 'bus',
      });
      cache = app.get(CacheManagerService);
      // The hybrid backend serves from L1 only once it hears its bus: health is "degraded" until then.
      const health = app.get(CacheHealthService);
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline && (await health.check()).status !== 'up') await sleep(50);
    });
    afterEach(async () => {
      server.resume();
      await app?.close();
    });

    it.each([
      ['past its refresh point', 0.6],
      ['past its timeout, within grace', 1.1],
    ])(
      `${CALLERS} callers of an entry %s: none throws, each gets the entry's value or a new one within the bound, and the cache recovers`,
      async (moment, afterSeconds) => {
        const key = `${backend}:${moment}`;
        const { factory, calls } = numberedFactory();
        expect(await cache.getOrSet(key, factory, TIMEOUT_SECONDS, OPTIONS)).toEqual({ n: 1 });
        await sleep(afterSeconds * 1000);

        server.pause();
        let burst: BurstFigures;
        try {
          burst = await timedBurst(cache, key, factory);
        } finally {
          server.resume();
        }

        const factoryCallsInHang = calls() - 1;
        console.log(
          `Redis hung (${backend}), ${CALLERS} callers ${moment}: served ${JSON.stringify(burst.served)} (value number: callers), ` +
            `${factoryCallsInHang} factory calls, slowest call ${burst.maxMs} ms (bound ${COMMAND_TIMEOUT_MS} ms per command); ` +
            `stats ${JSON.stringify(cache.getStats().getOrSet)}`,
        );

        expect(burst.throws).toEqual([]);
        expect(Object.values(burst.served).reduce((a, b) => a + b, 0)).toBe(CALLERS);
        // The stored value, or one the factory made during the hang: never anything else. On
        // the redis backend the entry lives only in the hung Redis, so callers get new values.
        for (const n of Object.keys(burst.served).map(Number)) expect(n).toBeLessThanOrEqual(calls());
        // On hybrid, L1 still holds the entry: while it is fresh, every caller gets it at once.
        if (backend === 'hybrid' && afterSeconds < TIMEOUT_SECONDS) expect(burst.served).toEqual({ 1: CALLERS });
        expect(burst.maxMs).toBeLessThan(MAX_CALL_MS);

        // Past the timeout of anything written before or during the hang: the next value must come from the factory.
        await sleep(Math.max(0, burst.endedAt + TIMEOUT_SECONDS * 1000 + 100 - Date.now()));
        const recovered = await recovery(cache, key, factory, calls);
        expect(recovered.value.n).toBe(calls());
        console.log(
          `Redis back (${backend}), entry ${moment}: a getOrSet stored a new value and the next read it, ${recovered.afterMs} ms after the check began`,
        );
      },
      30_000,
    );
  },
);
