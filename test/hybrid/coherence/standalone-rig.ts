import { Redis } from 'ioredis';
import { RedisTestServer } from '../../helpers/redis-server';
import { BACKEND_UNDER_TEST, STORE_PREFIX, workerEnv } from './coherence-env';
import { CoherenceFleet } from './coherence-fleet';
import { type CoherenceScenario, QUIET_MS, runCoherenceScenario, type ScenarioResult } from './coherence-scenario';
import { setTimeout as sleep } from 'node:timers/promises';

export interface StandaloneRig {
  /** The file's redis-server (set once beforeAll ran). */
  readonly server: RedisTestServer;
  /** The test's own client to it. */
  readonly raw: Redis;
  /** A worker's environment on `backend`, connected straight to the server. */
  workerEnv(backend?: string, extra?: Record<string, string>): Record<string, string>;
  /** One worker per environment; the fleet is stopped after the test. */
  startFleet(envs: Record<string, string>[]): Promise<CoherenceFleet>;
  /** The scenario on the fleet the test started, its convergence checked against the server. */
  runScenario(scenario: Omit<CoherenceScenario, 'fleet' | 'store'>): Promise<ScenarioResult>;
}

/**
 * One redis-server for the spec file, the test's own client to it, and the fleet a test
 * starts. Installs the hooks: after each test the fleet is stopped and Redis flushed.
 * With `fleetPerFile`, the first fleet started serves every test of the file (starting
 * three app processes on a loaded machine takes seconds): after each test it clears its
 * cache instead, which empties every L1 through the bus, and Redis is flushed.
 */
export function standaloneRig(options: { fleetPerFile?: boolean } = {}): StandaloneRig {
  let server: RedisTestServer;
  let raw: Redis;
  let fleet: CoherenceFleet | undefined;
  beforeAll(async () => {
    server = await RedisTestServer.start();
    raw = new Redis({ host: server.host, port: server.port, lazyConnect: true });
    await raw.connect();
  });
  afterEach(async () => {
    // A test that paused Redis and failed before it resumed it: the fleet could not close.
    server?.resume();
    if (options.fleetPerFile && fleet) {
      // Halted first: a test that failed early may have left a burst running.
      await fleet.halt();
      expect(await fleet.workers[0].clear()).toBe(true);
      await sleep(QUIET_MS);
    } else {
      await fleet?.stop();
      fleet = undefined;
    }
    await raw?.flushall();
  });
  afterAll(async () => {
    await fleet?.stop();
    raw?.disconnect();
    await server?.stop();
  });
  return {
    get server() {
      return server;
    },
    get raw() {
      return raw;
    },
    workerEnv: (backend = BACKEND_UNDER_TEST, extra = {}) => workerEnv(server.env(), backend, extra),
    async startFleet(envs) {
      if (options.fleetPerFile && fleet) return fleet;
      fleet = await CoherenceFleet.start(envs);
      return fleet;
    },
    runScenario(scenario) {
      if (!fleet) throw new Error('runScenario needs the fleet of startFleet');
      return runCoherenceScenario({ ...scenario, fleet, store: { client: raw, prefix: STORE_PREFIX } });
    },
  };
}
