import { djangoPeer } from '../helpers/django-peer';
import { graphOnSharedRedis } from './graph-on-shared-redis';
import type { GraphTestApp } from './graph-test-app';

const KEY = ':1:graph_token_cache';

/**
 * A graph_token_cache entry planted by whoever can write to Redis, in graph_service's shape
 * plus a list that shares one string many times: CPython writes each repetition as a
 * 2-byte memo reference, so the pickle is small however large the value is once expanded.
 */
describe.each(['redis', 'hybrid'])(
  'GraphTokenService and a planted token entry that expands (%s backend)',
  (backend) => {
    const shared = graphOnSharedRedis();

    const nestProcess = (): Promise<GraphTestApp> =>
      shared.startApp({ CACHE_BACKEND: backend, CACHE_VALUE_FORMAT: 'django' });

    const plant = (token: string, padding: string) =>
      djangoPeer({
        command: 'redis-write',
        port: shared.redis.port,
        items: [
          {
            key: KEY,
            timeout: 3000,
            expr: `{'token': '${token}', 'expires_at': datetime.datetime.now() + datetime.timedelta(seconds=3599), 'pad': ${padding}}`,
          },
        ],
      });

    it("['A'*50000]*50000 (150 KB stored, 2.5 GB expanded) is not adopted: a token is fetched, and invalidate(planted) returns at once", async () => {
      plant('planted', "['A'*50000]*50000");
      expect(Number(shared.redis.cli('STRLEN', KEY))).toBeLessThan(160_000);
      const nest = await nestProcess();
      const heapBefore = process.memoryUsage().heapUsed;
      const token = await nest.tokens.getAccessToken();
      expect(token).not.toBe('planted');
      expect(shared.endpoint.count).toBe(1);
      // The fetched token replaced the planted entry; plant it again for the 401 path.
      plant('planted', "['A'*50000]*50000");
      await expect(nest.tokens.invalidate('planted')).resolves.toBeUndefined();
      await expect(nest.tokens.invalidate()).resolves.toBeUndefined();
      // Read and refused, never expanded: far from the gigabytes the expansion would take.
      expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(256 * 1024 * 1024);
    });

    it('an entry that reads (1 MB expanded) and whose token Graph rejects is deleted by comparing its stored bytes, not a re-encoding', async () => {
      plant('rejected', "['A'*1000]*1000");
      const nest = await nestProcess();
      expect(await nest.tokens.getAccessToken()).toBe('rejected');
      // Our encoder writes each repetition in full: an encode-and-compare would never match what CPython stored.
      await nest.tokens.invalidate('rejected');
      expect(shared.redis.cli('EXISTS', KEY)).toBe('0');
      expect(await nest.tokens.getAccessToken()).not.toBe('rejected');
      expect(shared.endpoint.count).toBe(1);
    });
  },
);
