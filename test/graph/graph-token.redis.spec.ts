import { randomBytes } from 'node:crypto';
import { freePort } from '../helpers/free-port';
import { graphOnSharedRedis } from './graph-on-shared-redis';
import { CLIENT_SECRET, graphEnv, sleep, startGraphApp, type GraphTestApp } from './graph-test-app';

const KEY = ':1:graph_token_cache';

describe.each(['redis', 'hybrid'])('GraphTokenService on a shared Redis (%s backend)', (backend) => {
  const shared = graphOnSharedRedis();

  /** One app process: its own memory, the shared Redis. */
  function processOnRedis(env: Record<string, string> = {}): Promise<GraphTestApp> {
    return shared.startApp({ CACHE_BACKEND: backend, ...env });
  }

  it('stores { accessToken, expiresOn } under :1:graph_token_cache with a TTL of at most 3300 s', async () => {
    const { tokens } = await processOnRedis();
    const token = await tokens.getAccessToken();
    const entry = JSON.parse(shared.redis.cli('GET', KEY));
    expect(entry).toMatchObject({ accessToken: token, tenantId: 'test-tenant', clientId: 'client-1' });
    expect(Date.parse(entry.expiresOn)).toBe(tokens.status.expiresOn!.getTime());
    // expires_in 3599 minus the 300 s margin.
    const ttl = Number(shared.redis.cli('TTL', KEY));
    expect(ttl).toBeGreaterThan(3200);
    expect(ttl).toBeLessThanOrEqual(3299);
    expect(shared.redis.cli('GET', KEY)).not.toContain(CLIENT_SECRET);
  });

  it('caps the TTL at GRAPH_TOKEN_CACHE_DURATION for a long-lived token', async () => {
    shared.endpoint.answerWith({ kind: 'token', expiresIn: 7200 });
    const { tokens } = await processOnRedis();
    await tokens.getAccessToken();
    const ttl = Number(shared.redis.cli('TTL', KEY));
    expect(ttl).toBeGreaterThan(3290);
    expect(ttl).toBeLessThanOrEqual(3300);
  });

  it('a second process takes the token from the cache without a request', async () => {
    const first = await processOnRedis();
    const token = await first.tokens.getAccessToken();
    const second = await processOnRedis();
    expect(await second.tokens.getAccessToken()).toBe(token);
    expect(second.tokens.status).toMatchObject({ source: 'cache', cacheHits: 1, networkFetches: 0 });
    expect(await second.tokens.getAccessToken()).toBe(token);
    expect(second.tokens.status.source).toBe('memory');
    expect(shared.endpoint.count).toBe(1);
  });

  it('never shares the entry with another scope set or tenant', async () => {
    const graphApp = await processOnRedis();
    const graphToken = await graphApp.tokens.getAccessToken();
    const other = await processOnRedis({ GRAPH_SCOPES: 'https://outlook.office365.com/.default' });
    const otherToken = await other.tokens.getAccessToken();
    expect(otherToken).not.toBe(graphToken);
    expect(shared.endpoint.requests[1].scope).toContain('https://outlook.office365.com/.default');
    expect(other.logs.some((line) => line.startsWith('warn') && line.includes('GRAPH_TOKEN_CACHE_KEY'))).toBe(true);

    const otherTenant = await processOnRedis({ GRAPH_TENANT_ID: 'another-tenant' });
    expect(await otherTenant.tokens.getAccessToken()).not.toBe(otherToken);
    expect(shared.endpoint.count).toBe(3);
  });

  it('two processes refreshing ahead at the same time cause 1 request', async () => {
    const one = await processOnRedis({ GRAPH_TOKEN_CACHE_DURATION: '4' });
    const two = await processOnRedis({ GRAPH_TOKEN_CACHE_DURATION: '4' });
    const old = await one.tokens.getAccessToken();
    expect(await two.tokens.getAccessToken()).toBe(old);
    await sleep(3200);
    shared.endpoint.answerWith({ kind: 'token', delayMs: 200 });
    expect(await Promise.all([one.tokens.getAccessToken(), two.tokens.getAccessToken()])).toEqual([old, old]);
    await shared.endpoint.waitForRequests(2);
    let fresh = [old, old];
    for (let i = 0; i < 100 && fresh.includes(old); i++) {
      await sleep(20);
      fresh = [await one.tokens.getAccessToken(), await two.tokens.getAccessToken()];
    }
    expect(fresh[0]).not.toBe(old);
    expect(fresh[1]).toBe(fresh[0]);
    expect(shared.endpoint.count).toBe(2);
  });

  it('invalidate removes only its own token from the cache, not a newer one', async () => {
    const one = await processOnRedis();
    const two = await processOnRedis();
    const old = await one.tokens.getAccessToken();
    expect(await two.tokens.getAccessToken()).toBe(old);

    await one.tokens.invalidate();
    expect(shared.redis.cli('EXISTS', KEY)).toBe('0');
    const replacement = await one.tokens.getAccessToken();
    expect(replacement).not.toBe(old);

    await two.tokens.invalidate();
    expect(JSON.parse(shared.redis.cli('GET', KEY)).accessToken).toBe(replacement);
    expect(await two.tokens.getAccessToken()).toBe(replacement);
    expect(two.tokens.status.source).toBe('cache');
    expect(shared.endpoint.count).toBe(2);
  });

  it('a lock holder that shuts down mid-request leaves the fetch to the process waiting for it', async () => {
    // Bounds far beyond the test: only the shutdown may end the holder's request, and only
    // a released lock lets the waiter go on this quickly.
    const holder = await startGraphApp(
      graphEnv({ ...shared.redis.env(), CACHE_BACKEND: backend, GRAPH_TOKEN_TIMEOUT_MS: '20000' }),
      shared.endpoint,
    );
    const waiter = await processOnRedis({ GRAPH_TOKEN_TIMEOUT_MS: '20000' });
    shared.endpoint.answerNext({ kind: 'hang' });
    const held = holder.tokens.getAccessToken().catch((e: unknown) => e);
    await shared.endpoint.waitForRequests(1);
    const waited = waiter.tokens.getAccessToken();
    while (waiter.tokens.status.lockWaits === 0) await sleep(10);

    const closing = Date.now();
    await holder.close();
    await expect(held).resolves.toMatchObject({ name: 'GraphTokenError', code: 'ABORTED' });
    await expect(waited).resolves.toMatch(/^fake-access-token-/);
    // The lock would otherwise block it for its TTL of 21 s; half of that absorbs any machine.
    expect(Date.now() - closing).toBeLessThan(10_000);
    expect(waiter.tokens.status).toMatchObject({ source: 'network', lockWaits: 1 });
    expect(shared.endpoint.count).toBe(2);
  });

  describe('with GRAPH_TOKEN_ENCRYPTION_KEY', () => {
    const key = randomBytes(32);

    it('stores AES-256-GCM ciphertext that does not contain the token', async () => {
      const writer = await processOnRedis({ GRAPH_TOKEN_ENCRYPTION_KEY: key.toString('base64') });
      const token = await writer.tokens.getAccessToken();
      const raw = shared.redis.cli('GET', KEY);
      expect(raw).toMatch(/^"aes256gcm\.v1\./);
      expect(raw).not.toContain(token);
      expect(raw).not.toContain('accessToken');
      expect(writer.tokens.status.encrypted).toBe(true);

      const reader = await processOnRedis({ GRAPH_TOKEN_ENCRYPTION_KEY: key.toString('hex') });
      expect(await reader.tokens.getAccessToken()).toBe(token);
      expect(reader.tokens.status.source).toBe('cache');
      expect(shared.endpoint.count).toBe(1);
    });

    it('treats a tampered entry as a miss, logs it and fetches a new token', async () => {
      const writer = await processOnRedis({ GRAPH_TOKEN_ENCRYPTION_KEY: key.toString('base64') });
      const token = await writer.tokens.getAccessToken();
      const raw = JSON.parse(shared.redis.cli('GET', KEY)) as string;
      // A character inside the ciphertext (the last one may only carry padding bits).
      const at = raw.length - 6;
      const tampered = `${raw.slice(0, at)}${raw[at] === 'A' ? 'B' : 'A'}${raw.slice(at + 1)}`;
      shared.redis.cli('SET', KEY, JSON.stringify(tampered), 'KEEPTTL');

      const reader = await processOnRedis({ GRAPH_TOKEN_ENCRYPTION_KEY: key.toString('base64') });
      const fresh = await reader.tokens.getAccessToken();
      expect(fresh).not.toBe(token);
      expect(reader.tokens.status.source).toBe('network');
      expect(reader.logs.some((line) => line.startsWith('warn') && line.includes('cannot be decrypted'))).toBe(true);
      expect(shared.endpoint.count).toBe(2);
      expect(shared.redis.cli('GET', KEY)).not.toContain(fresh);
    });

    it('treats an entry encrypted with another key, or a plain one, as a miss', async () => {
      const writer = await processOnRedis({ GRAPH_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
      await writer.tokens.getAccessToken();
      const otherKey = await processOnRedis({ GRAPH_TOKEN_ENCRYPTION_KEY: key.toString('base64') });
      await otherKey.tokens.getAccessToken();
      expect(otherKey.tokens.status.source).toBe('network');

      shared.redis.cli('DEL', KEY);
      const plainWriter = await processOnRedis();
      await plainWriter.tokens.getAccessToken();
      const encryptedReader = await processOnRedis({ GRAPH_TOKEN_ENCRYPTION_KEY: key.toString('base64') });
      await encryptedReader.tokens.getAccessToken();
      expect(encryptedReader.tokens.status.source).toBe('network');
      expect(encryptedReader.logs.some((line) => line.includes('is not encrypted'))).toBe(true);
      expect(shared.endpoint.count).toBe(4);
    });
  });

  describe('when Redis is down', () => {
    it('starts and hands out tokens from MSAL and memory without an error', async () => {
      const port = await freePort();
      const graph = await processOnRedis({ REDIS_PORT: String(port) });
      const token = await graph.tokens.getAccessToken();
      expect(graph.tokens.status.source).toBe('network');
      expect(await graph.tokens.getAccessToken()).toBe(token);
      expect(graph.tokens.status.source).toBe('memory');
      await expect(graph.tokens.getAccessToken({ forceRefresh: true })).resolves.toMatch(/^fake-access-token-/);
      await graph.tokens.invalidate();
      await expect(graph.tokens.getAccessToken()).resolves.toMatch(/^fake-access-token-/);
      expect(shared.endpoint.count).toBe(3);
    });

    it('keeps serving from memory when Redis dies, and fetches alone when memory runs out', async () => {
      const graph = await processOnRedis();
      const token = await graph.tokens.getAccessToken();
      await shared.redis.kill();
      try {
        expect(await graph.tokens.getAccessToken()).toBe(token);
        await graph.tokens.invalidate();
        const next = await graph.tokens.getAccessToken();
        expect(next).not.toBe(token);
        expect(graph.tokens.status.source).toBe('network');
        expect(shared.endpoint.count).toBe(2);
      } finally {
        await shared.redis.restart();
      }
    });

    it('fetches alone when Redis stops answering', async () => {
      const graph = await processOnRedis();
      await graph.cache.set('warm-up', 1);
      shared.redis.pause();
      try {
        const token = await graph.tokens.getAccessToken();
        expect(token).toMatch(/^fake-access-token-/);
        expect(shared.endpoint.count).toBe(1);
      } finally {
        shared.redis.resume();
      }
    });
  });
});
