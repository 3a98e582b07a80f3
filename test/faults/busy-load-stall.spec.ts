import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import type { L1ValueMode } from '../../src';
import { CaptureLogger } from '../helpers/capture-logger';
import { L1_VALUE_MODES, l1ValuesEnv } from '../helpers/l1-values';
import { RedisTestServer } from '../helpers/redis-server';
import { BusyLoad, CALLS_PER_YIELD, KEY_SPACE } from './support/busy-load';
import { type FaultApp, startFaultApp } from './support/fault-app';
import { sleep, waitFor } from './support/timing';

/** docs/faults.md: "when Redis comes back, the cache works again within 2 seconds"; printed beside the measured figure. */
const RECOVERY_PROMISE_MS = 2000;
/**
 * What the test asserts: recovered, on its own, well within this. Before, the breaker was
 * still half-open 20 s after SIGCONT; now recovery measured 0.5-1.7 s at load averages of
 * 12-19, and up to 10 s at about 26 beside other test files, when Redis itself gets a
 * small share of the 2 cores.
 */
const RECOVERY_BOUND_MS = 30_000;
const STALL_MS = 1000;

/**
 * Redis alone, and the hybrid in both value modes: its L1 answers most gets while the
 * breaker is open, so what it hands out (a copy or the one frozen value) is in the path.
 */
const STALL_CASES: { backend: 'redis' | 'hybrid'; values: L1ValueMode }[] = [
  { backend: 'redis', values: 'copy' },
  ...L1_VALUE_MODES.map((values) => ({ backend: 'hybrid' as const, values })),
];

/**
 * 100 callers that let the event loop turn once every 1024 calls: while the breaker is
 * open their fallbacks answer inside microtasks, so the process reads its sockets and
 * runs its timers only now and then. Redis stops for 1 s and runs again; the process
 * must judge Redis by Redis's answers, not by how late it got round to reading them.
 */
describe.each(STALL_CASES)(
  'a busy process recovers from a 1 s Redis stall ($backend, CACHE_L1_VALUES=$values, real redis-server)',
  ({ backend, values }) => {
    let server: RedisTestServer;
    let fault: FaultApp;

    beforeAll(async () => {
      server = await RedisTestServer.start();
      // A queue this small always overflows in the stall, so recovery includes the scoped clear of all 100k keys.
      const env = {
        ...server.env(),
        CACHE_BACKEND: backend,
        CACHE_KEY_PREFIX: `busy-${backend}`,
        CACHE_RECOVERY_MAX_KEYS: '200',
        ...l1ValuesEnv(values),
      };
      fault = await startFaultApp(env, new CaptureLogger());
      // Seeded past the cache, in its key and value format: a loaded machine must not fail the setup.
      const seeder = new Redis({ host: server.host, port: server.port });
      try {
        for (let from = 0; from < KEY_SPACE; from += 5000) {
          await seeder.mset(
            Array.from({ length: 5000 }, (_, i) => [
              `busy-${backend}:1:busy:${from + i}`,
              JSON.stringify({ n: from + i }),
            ]).flat(),
          );
        }
      } finally {
        seeder.disconnect();
      }
    });

    afterAll(async () => {
      server?.resume();
      await fault?.app.close();
      await server?.stop();
    });

    it(`100 callers yielding every ${CALLS_PER_YIELD} calls: hits, a closed breaker and an empty recovery queue again after SIGCONT`, async () => {
      const { guard } = fault;
      const load = new BusyLoad(fault.cache, guard);
      // Hits that went to Redis: on hybrid an L1 hit needs no Redis at all.
      const remoteHits = () => (backend === 'hybrid' ? guard.store.tierStats!().l2Hits : load.figures.hits);
      load.start();
      try {
        expect(await waitFor(() => remoteHits() > 100, 20_000)).toBe(true);

        server.pause();
        let opened = false;
        const stalledAt = performance.now();
        try {
          while (performance.now() - stalledAt < STALL_MS) {
            opened ||= guard.breakerState !== 'closed';
            await sleep(10);
          }
        } finally {
          server.resume();
        }
        const resumedAt = performance.now();
        const shortCircuitedAtResume = guard.counters.shortCircuited;
        const recoveryAtResume = guard.recoveryStats;

        // Recovered: closed and drained, and then a get hit.
        let closedAt: number | undefined;
        let drainedAt: number | undefined;
        load.watch(() => {
          if (guard.breakerState === 'closed') closedAt ??= performance.now() - resumedAt;
          if (guard.recoveryStats.pending === 0) drainedAt ??= performance.now() - resumedAt;
          return guard.breakerState === 'closed' && guard.recoveryStats.pending === 0;
        });
        await waitFor(() => load.recoveredAt !== undefined, RECOVERY_BOUND_MS + 5000);
        // From SIGCONT on the monotonic clock, nothing subtracted.
        const recoveryMs = load.recoveredAt === undefined ? undefined : load.recoveredAt - resumedAt;

        const hitsAfter = remoteHits();
        await sleep(1000);
        const stats = fault.cache.getStats();
        console.log(
          `[busy-load-stall ${backend} ${values}] recovery ${recoveryMs === undefined ? `never (${RECOVERY_BOUND_MS + 5000} ms)` : `${Math.round(recoveryMs)} ms`} after SIGCONT ` +
            `(docs/faults.md promises ${RECOVERY_PROMISE_MS} ms; load average ${loadavg()[0].toFixed(1)}; closed first at ${Math.round(closedAt ?? -1)} ms, drained at ${Math.round(drainedAt ?? -1)} ms); ` +
            `calls ${load.figures.calls}, short-circuited since SIGCONT ${guard.counters.shortCircuited - shortCircuitedAtResume}, ` +
            `recovery at SIGCONT ${JSON.stringify(recoveryAtResume)}, now ${JSON.stringify(stats.recovery)}, breaker ${stats.breakerState}`,
        );

        expect(opened).toBe(true);
        expect(stats.recovery.overflowed).toBeGreaterThan(0);
        expect(load.recoveredAt).toBeDefined();
        // The cache answers from Redis again within the page's 2 s (the breaker closed), at any
        // load measured; the drain of the overflowed queue behind it gets the looser bound.
        expect(closedAt).toBeDefined();
        expect(closedAt!).toBeLessThan(RECOVERY_PROMISE_MS);
        expect(recoveryMs).toBeLessThan(RECOVERY_BOUND_MS);
        // And the cache keeps working under the same load (a write that misses its bound on a
        // loaded machine may be queued again meanwhile, which is recovery doing its job).
        expect(remoteHits()).toBeGreaterThan(hitsAfter);
      } finally {
        await load.stop();
      }
      expect(load.figures.exceptions).toEqual([]);
    }, 120_000);
  },
);
