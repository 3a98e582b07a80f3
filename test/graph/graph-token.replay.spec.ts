import { randomBytes } from 'node:crypto';
import { FakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { RedisTestServer } from '../helpers/redis-server';
import { graphEnv, startGraphApp, type GraphTestApp } from './graph-test-app';

const KEY = ':1:graph_token_cache';

/**
 * What docs/graph-tokens.md ("A replayed entry") decides: an older sealed entry written back
 * by someone who can write the cache is a token this fleet obtained, and is taken as such;
 * once a process was told the token is rejected (invalidate), that process never takes it again.
 */
describe('a replayed older sealed token entry', () => {
  let endpoint: FakeTokenEndpoint;
  let redis: RedisTestServer;
  const apps: GraphTestApp[] = [];
  const env = () => graphEnv({ ...redis.env(), GRAPH_TOKEN_ENCRYPTION_KEY: key });
  const key = randomBytes(32).toString('base64');

  beforeAll(async () => {
    [endpoint, redis] = await Promise.all([FakeTokenEndpoint.start(), RedisTestServer.start()]);
  });
  afterAll(async () => {
    await Promise.all([endpoint.stop(), redis.stop()]);
  });
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  async function processOnRedis(): Promise<GraphTestApp> {
    const graph = await startGraphApp(env(), endpoint);
    apps.push(graph);
    return graph;
  }

  it('is taken while its TTL lasts, and never again by a process that invalidated its token', async () => {
    const writer = await processOnRedis();
    const older = await writer.tokens.getAccessToken();
    const sealed = redis.cli('GET', KEY);
    expect(sealed).toMatch(/^"aes256gcm\.v1\./);
    const newer = await writer.tokens.getAccessToken({ forceRefresh: true });
    expect(newer).not.toBe(older);

    // Written back over the newer entry, with a fresh TTL.
    redis.cli('SET', KEY, sealed, 'EX', '600');
    const reader = await processOnRedis();
    expect(await reader.tokens.getAccessToken()).toBe(older);
    expect(reader.tokens.status.source).toBe('cache');

    // Graph answers 401 for it: invalidate drops it, and a second replay is not taken.
    await reader.tokens.invalidate(older);
    redis.cli('SET', KEY, sealed, 'EX', '600');
    const after = await reader.tokens.getAccessToken();
    expect(after).not.toBe(older);
    expect(reader.tokens.status.source).toBe('network');
  });

  it('does not open under another key name: a sealed entry only replays where it was written', async () => {
    const writer = await processOnRedis();
    await writer.tokens.getAccessToken();
    const sealed = redis.cli('GET', KEY);
    redis.cli('DEL', KEY);
    redis.cli('SET', ':1:other_token_cache', sealed, 'EX', '600');
    const other = await startGraphApp(
      graphEnv({ ...redis.env(), GRAPH_TOKEN_ENCRYPTION_KEY: key, GRAPH_TOKEN_CACHE_KEY: 'other_token_cache' }),
      endpoint,
    );
    apps.push(other);
    const fetchesBefore = endpoint.count;
    await other.tokens.getAccessToken();
    expect(other.tokens.status.source).toBe('network');
    expect(endpoint.count).toBe(fetchesBefore + 1);
  });
});
