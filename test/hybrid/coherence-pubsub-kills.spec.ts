import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { RedisTestServer } from '../helpers/redis-server';
import { checkCoherence } from './coherence/coherence-checker';
import { BACKEND_UNDER_TEST, ONLINE_BOUND_MS, STORE_PREFIX, workerEnv } from './coherence/coherence-env';
import { CoherenceFleet } from './coherence/coherence-fleet';
import { coherenceFiguresLine, describeViolations } from './coherence/coherence-figures';
import { runCoherenceScenario } from './coherence/coherence-scenario';
import { smallKeySpace } from './coherence/workload';

/** Often enough for several kills per burst, seldom enough that each finds the subscribers back. */
const KILL_EVERY_MS = 1200;

let server: RedisTestServer;
let raw: Redis;
let fleet: CoherenceFleet | undefined;

beforeAll(async () => {
  server = await RedisTestServer.start();
  raw = new Redis({ host: server.host, port: server.port, lazyConnect: true });
  await raw.connect();
});
afterAll(async () => {
  await fleet?.stop();
  raw?.disconnect();
  await server?.stop();
});

/** Kills every pub/sub connection of the server, over and over, until stopped; resolves with the clients each kill closed. */
function killSubscribersRepeatedly(): { stop(): Promise<number[]> } {
  const closed: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      await sleep(KILL_EVERY_MS);
      if (running) closed.push(Number(await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub')));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return closed;
    },
  };
}

it('3 processes while the subscriber connections are killed again and again: over 100,000 operations, no stale read beyond the bound, caches converge', async () => {
  fleet = await CoherenceFleet.start([0, 1, 2].map(() => workerEnv(server.env(), BACKEND_UNDER_TEST)));
  const killer = killSubscribersRepeatedly();
  const result = await runCoherenceScenario({
    fleet,
    store: { client: raw, prefix: STORE_PREFIX },
    keys: smallKeySpace(16, 6),
    bursts: 4,
    operations: 8500,
    ratePerSecond: 3000,
    seed: 2,
  });
  const kills = await killer.stop();
  const report = checkCoherence(result.records, { boundMs: ONLINE_BOUND_MS });
  console.log(
    coherenceFiguresLine(`${BACKEND_UNDER_TEST}, 3 processes, subscribers killed`, report, {
      kills: kills.length,
      'connections killed': kills.reduce((sum, n) => sum + n, 0),
      divergences: result.divergences.length,
    }),
  );

  expect(kills.length).toBeGreaterThanOrEqual(5);
  // Each kill must have found subscribers to close, or the test proved nothing.
  expect(kills.filter((n) => n > 0).length).toBeGreaterThanOrEqual(5);
  expect(report.operations).toBeGreaterThanOrEqual(100_000);
  expect(describeViolations(report.examples, result.records[0].issuedUs)).toBe('');
  expect(report.violations).toBe(0);
  expect(result.divergences).toEqual([]);
  expect(result.thrown).toEqual([]);
  expect(result.unhandledRejections).toBe(0);
}, 150_000);
