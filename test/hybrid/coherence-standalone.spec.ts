import { Redis } from 'ioredis';
import { RedisTestServer } from '../helpers/redis-server';
import { checkCoherence } from './coherence/coherence-checker';
import { BACKEND_UNDER_TEST, ONLINE_BOUND_MS, STORE_PREFIX, workerEnv } from './coherence/coherence-env';
import { CoherenceFleet } from './coherence/coherence-fleet';
import { coherenceFiguresLine, describeViolations } from './coherence/coherence-figures';
import { runCoherenceScenario } from './coherence/coherence-scenario';
import { smallKeySpace } from './coherence/workload';

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

it('3 processes on one Redis: over 100,000 random operations, no stale read beyond the bound, caches converge', async () => {
  fleet = await CoherenceFleet.start([0, 1, 2].map(() => workerEnv(server.env(), BACKEND_UNDER_TEST)));
  const result = await runCoherenceScenario({
    fleet,
    store: { client: raw, prefix: STORE_PREFIX },
    keys: smallKeySpace(16, 6),
    bursts: 4,
    operations: 8500,
    ratePerSecond: 3000,
    seed: 1,
  });
  const report = checkCoherence(result.records, { boundMs: ONLINE_BOUND_MS });
  console.log(coherenceFiguresLine(`${BACKEND_UNDER_TEST}, 3 processes, standalone Redis`, report, { divergences: result.divergences.length }));

  expect(report.operations).toBeGreaterThanOrEqual(100_000);
  expect(describeViolations(report.examples, result.records[0].issuedUs)).toBe('');
  expect(report.violations).toBe(0);
  expect(result.divergences).toEqual([]);
  expect(result.thrown).toEqual([]);
  expect(result.unhandledRejections).toBe(0);
}, 150_000);
