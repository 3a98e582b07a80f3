import { CacheConfigError } from '../../src';
import { djangoPeer } from '../helpers/django-peer';
import { graphOnSharedRedis } from './graph-on-shared-redis';
import { graphEnv, startGraphApp, type GraphTestApp } from './graph-test-app';

const KEY = ':1:graph_token_cache';

interface DjangoRead {
  token: string;
  expires_at: string;
}

/**
 * One Graph token for Django and Nest: with CACHE_VALUE_FORMAT=django, GraphTokenService
 * reads and writes graph_service's `{'token': str, 'expires_at': datetime}`. The Python side
 * is what core/services/graph_service.py does, in a process with TZ=UTC.
 */
describe.each(['redis', 'hybrid'])(
  "GraphTokenService and Django's graph_service share one token (%s backend)",
  (backend) => {
    const shared = graphOnSharedRedis();

    function nestProcess(env: Record<string, string> = {}): Promise<GraphTestApp> {
      // What is stored, and how Django reads it, is under test here, not Redis's speed: at the
      // default 200 ms bound a loaded 2-core machine timed the token's write out once (the
      // token is still handed out, but Django then found nothing).
      return shared.startApp({
        CACHE_BACKEND: backend,
        CACHE_VALUE_FORMAT: 'django',
        REDIS_COMMAND_TIMEOUT_MS: '2000',
        ...env,
      });
    }

    const djangoWrites = (token: string, expiresIn: number) =>
      djangoPeer({ command: 'graph-write', port: shared.redis.port, key: KEY, token, expires_in: expiresIn });
    const djangoReads = () =>
      djangoPeer<DjangoRead | null>({ command: 'graph-read', port: shared.redis.port, key: KEY });

    it('a token Django stored is served with no token request', async () => {
      djangoWrites('token-from-django', 3599);
      const nest = await nestProcess();
      expect(await nest.tokens.getAccessToken()).toBe('token-from-django');
      expect(nest.tokens.status).toMatchObject({ source: 'cache', cacheHits: 1, networkFetches: 0 });
      // Handed out until expires_at minus the 300 s margin.
      const expiresOn = nest.tokens.status.expiresOn!.getTime();
      expect(Math.abs(expiresOn - (Date.now() + 3599_000))).toBeLessThan(5000);
      expect(shared.endpoint.count).toBe(0);
    });

    it('a token Nest fetched is what Django reads: isinstance(dict), datetime.now() < expires_at', async () => {
      const nest = await nestProcess();
      const token = await nest.tokens.getAccessToken();
      expect(shared.endpoint.count).toBe(1);
      const read = djangoReads();
      expect(read?.token).toBe(token);
      // expires_at is the token's own expiry, as a naive UTC datetime.
      expect(Math.abs(Date.parse(`${read!.expires_at}Z`) - nest.tokens.status.expiresOn!.getTime())).toBeLessThan(1);
      // The TTL is capped as in json: min(GRAPH_TOKEN_CACHE_DURATION, expires_in - 300).
      const ttl = Number(shared.redis.cli('TTL', KEY));
      expect(ttl).toBeGreaterThan(3200);
      expect(ttl).toBeLessThanOrEqual(3299);
    });

    it('a second Nest process takes the Django-shaped entry from the cache', async () => {
      const first = await nestProcess();
      const token = await first.tokens.getAccessToken();
      const second = await nestProcess();
      expect(await second.tokens.getAccessToken()).toBe(token);
      expect(shared.endpoint.count).toBe(1);
    });

    it('keeps its own margin: a Django token with 200 s left is not handed out; the new one reaches Django', async () => {
      djangoWrites('almost-expired', 200);
      const nest = await nestProcess();
      const token = await nest.tokens.getAccessToken();
      expect(token).not.toBe('almost-expired');
      expect(shared.endpoint.count).toBe(1);
      expect(djangoReads()?.token).toBe(token);
    });

    it('a Django token with 400 s left is handed out for its last 100 s, with a refresh before', async () => {
      djangoWrites('short-lived', 400);
      const nest = await nestProcess();
      expect(await nest.tokens.getAccessToken()).toBe('short-lived');
      const refreshFrom = nest.tokens.status.refreshFrom!.getTime();
      expect(refreshFrom).toBeLessThan(Date.now() + 100_000);
      expect(shared.endpoint.count).toBe(0);
    });

    it('invalidate(rejected) removes the entry Django wrote (the compare-and-delete matches its pickle)', async () => {
      djangoWrites('revoked', 3599);
      const nest = await nestProcess();
      expect(await nest.tokens.getAccessToken()).toBe('revoked');
      await nest.tokens.invalidate('revoked');
      expect(shared.redis.cli('EXISTS', KEY)).toBe('0');
      const fresh = await nest.tokens.getAccessToken();
      expect(fresh).not.toBe('revoked');
      expect(djangoReads()?.token).toBe(fresh);
    });

    it('a json-shaped entry (from a process on CACHE_VALUE_FORMAT=json) is a miss, and is replaced', async () => {
      const json = await startGraphApp(graphEnv({ ...shared.redis.env(), CACHE_BACKEND: backend }), shared.endpoint);
      const old = await json.tokens.getAccessToken();
      await json.close();
      const nest = await nestProcess();
      const token = await nest.tokens.getAccessToken();
      expect(token).not.toBe(old);
      expect(shared.endpoint.count).toBe(2);
      expect(nest.logs.some((line) => line.startsWith('warn') && line.includes('was not read'))).toBe(true);
      expect(djangoReads()?.token).toBe(token);
    });

    it('GRAPH_TOKEN_ENCRYPTION_KEY with CACHE_VALUE_FORMAT=django stops startup with a CacheConfigError', async () => {
      const key = Buffer.alloc(32, 7).toString('base64');
      await expect(nestProcess({ GRAPH_TOKEN_ENCRYPTION_KEY: key })).rejects.toThrow(CacheConfigError);
      await expect(nestProcess({ GRAPH_TOKEN_ENCRYPTION_KEY: key })).rejects.toThrow(
        /GRAPH_TOKEN_ENCRYPTION_KEY \(graph\.encryptionKey\) cannot be used with CACHE_VALUE_FORMAT=django/,
      );
    });
  },
);
