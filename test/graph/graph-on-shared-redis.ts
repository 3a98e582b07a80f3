import { FakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { RedisTestServer } from '../helpers/redis-server';
import { CLIENT_SECRET, graphEnv, startGraphApp, type GraphTestApp } from './graph-test-app';

export interface GraphOnSharedRedis {
  /** The fake token endpoint every app asks (set once beforeAll ran). */
  readonly endpoint: FakeTokenEndpoint;
  /** The redis-server the apps share (set once beforeAll ran). */
  readonly redis: RedisTestServer;
  /** One app process on the shared Redis: graphEnv with the server's variables and `env`. */
  startApp(env?: Record<string, string>): Promise<GraphTestApp>;
  /** Closes `graph` after the test like the apps of startApp. */
  closeAfterTest(graph: GraphTestApp): GraphTestApp;
}

/**
 * A fake token endpoint and a redis-server for the describe block, reset and flushed
 * before each test. After each test every app of startApp is closed, and none of them may
 * have logged the client secret.
 */
export function graphOnSharedRedis(): GraphOnSharedRedis {
  let endpoint: FakeTokenEndpoint;
  let redis: RedisTestServer;
  const apps: GraphTestApp[] = [];

  beforeAll(async () => {
    [endpoint, redis] = await Promise.all([FakeTokenEndpoint.start(), RedisTestServer.start()]);
  });
  afterAll(async () => {
    await Promise.all([endpoint.stop(), redis.stop()]);
  });
  beforeEach(() => {
    endpoint.reset();
    redis.cli('FLUSHALL');
  });
  afterEach(async () => {
    for (const graph of apps.splice(0)) {
      expect(graph.logs.join('\n')).not.toContain(CLIENT_SECRET);
      await graph.close();
    }
  });

  const closeAfterTest = (graph: GraphTestApp) => {
    apps.push(graph);
    return graph;
  };
  return {
    get endpoint() {
      return endpoint;
    },
    get redis() {
      return redis;
    },
    startApp: async (env = {}) => closeAfterTest(await startGraphApp(graphEnv({ ...redis.env(), ...env }), endpoint)),
    closeAfterTest,
  };
}
