import { CacheConfigError, MAX_KEY_LENGTH, parseCacheEnv, resolveCacheOptions } from '../../src';
import { FakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { RedisTestServer } from '../helpers/redis-server';
import { graphEnv, startGraphApp } from './graph-test-app';

function configError(run: () => unknown): CacheConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CacheConfigError);
    return error as CacheConfigError;
  }
  throw new Error('expected a CacheConfigError');
}

/** The longest GRAPH_TOKEN_CACHE_KEY the startup check accepts, found by asking it. */
function longestAcceptedKeyLength(): number {
  let length = MAX_KEY_LENGTH;
  while (length > 0) {
    try {
      parseCacheEnv({ GRAPH_TOKEN_CACHE_KEY: 'k'.repeat(length) });
      return length;
    } catch {
      length--;
    }
  }
  return 0;
}

describe('GRAPH_TOKEN_CACHE_KEY limits, checked at startup', () => {
  it('a key whose lock key would be too long stops startup with one CacheConfigError', () => {
    // The key itself fits; "<key>:lock" does not. This used to start and then throw
    // CacheKeyError at the first token request.
    const error = configError(() => parseCacheEnv({ GRAPH_TOKEN_CACHE_KEY: 'k'.repeat(MAX_KEY_LENGTH - 4) }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain('GRAPH_TOKEN_CACHE_KEY');
    expect(error.problems[0]).toContain(String(MAX_KEY_LENGTH));
    expect(error.problems[0]).toContain(':lock');

    const fromOptions = configError(() => resolveCacheOptions({ graph: { cacheKey: 'k'.repeat(MAX_KEY_LENGTH) } }));
    expect(fromOptions.problems).toHaveLength(1);
    expect(fromOptions.problems[0]).toContain('GRAPH_TOKEN_CACHE_KEY (graph.cacheKey)');
  });

  it('refuses what no cache key may hold, such as a control character', () => {
    const error = configError(() => parseCacheEnv({ GRAPH_TOKEN_CACHE_KEY: 'graph\ntoken' }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/GRAPH_TOKEN_CACHE_KEY.*control characters/);
  });

  describe('the longest accepted key works end to end', () => {
    let endpoint: FakeTokenEndpoint;
    let redis: RedisTestServer;

    beforeAll(async () => {
      [endpoint, redis] = await Promise.all([FakeTokenEndpoint.start(), RedisTestServer.start()]);
    });
    afterAll(async () => {
      await Promise.all([endpoint.stop(), redis.stop()]);
    });

    it.each([['locmem'], ['redis']])('on %s, with the fleet lock and a shared failure', async (backend) => {
      const length = longestAcceptedKeyLength();
      expect(length).toBeGreaterThan(MAX_KEY_LENGTH - 20);
      expect(length).toBeLessThan(MAX_KEY_LENGTH - 4);
      const env = graphEnv({
        ...(backend === 'redis' ? redis.env() : {}),
        GRAPH_TOKEN_CACHE_KEY: 'k'.repeat(length),
        GRAPH_TOKEN_TIMEOUT_MS: '500',
      });
      const graph = await startGraphApp(env, endpoint);
      try {
        endpoint.answerNext({ kind: 'hang' });
        await expect(graph.tokens.getAccessToken()).rejects.toMatchObject({ name: 'GraphTokenError', code: 'TIMEOUT' });
        await expect(graph.tokens.getAccessToken()).resolves.toMatch(/^fake-access-token-/);
        expect(await graph.cache.get('k'.repeat(length))).toBeDefined();
      } finally {
        await graph.close();
        endpoint.reset();
      }
    });
  });
});
