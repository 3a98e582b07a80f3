import { randomBytes } from 'node:crypto';
import { decryptText } from '../../src/graph/token-crypto';
import { graphOnSharedRedis } from './graph-on-shared-redis';
import { graphEnv, sleep, startGraphApp } from './graph-test-app';

const KEY = ':1:graph_token_cache';
const HOUR_MS = 3_600_000;

describe('the shared token entry across processes', () => {
  const shared = graphOnSharedRedis();
  const processOnRedis = shared.startApp;

  /** Rewrites the entry as a writer whose clock is off by `skewMs` would have written it (same TTL). */
  function skewEntry(skewMs: number): void {
    const entry = JSON.parse(shared.redis.cli('GET', KEY)) as Record<string, unknown>;
    for (const [field, value] of Object.entries(entry)) {
      if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value))
        entry[field] = new Date(Date.parse(value) + skewMs).toISOString();
    }
    shared.redis.cli('SET', KEY, JSON.stringify(entry), 'KEEPTTL');
  }

  describe('GRAPH_TOKEN_ENCRYPTION_KEY rotation', () => {
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');

    it('reads entries of the previous key and writes with the current one', async () => {
      const oldSide = await processOnRedis({ GRAPH_TOKEN_ENCRYPTION_KEY: oldKey });
      const first = await oldSide.tokens.getAccessToken();

      const newSide = await processOnRedis({
        GRAPH_TOKEN_ENCRYPTION_KEY: newKey,
        GRAPH_TOKEN_ENCRYPTION_KEY_PREVIOUS: oldKey,
      });
      expect(await newSide.tokens.getAccessToken()).toBe(first);
      expect(newSide.tokens.status.source).toBe('cache');
      expect(shared.endpoint.count).toBe(1);

      await newSide.tokens.invalidate();
      const second = await newSide.tokens.getAccessToken();
      const raw = JSON.parse(shared.redis.cli('GET', KEY)) as string;
      expect(JSON.parse(decryptText(raw, Buffer.from(newKey, 'base64'), 'graph_token_cache')).accessToken).toBe(second);

      // A process staged ahead of the switch (old key current, new key accepted) reads it too.
      const staged = await processOnRedis({
        GRAPH_TOKEN_ENCRYPTION_KEY: oldKey,
        GRAPH_TOKEN_ENCRYPTION_KEY_PREVIOUS: newKey,
      });
      expect(await staged.tokens.getAccessToken()).toBe(second);
      expect(staged.tokens.status.source).toBe('cache');
      expect(shared.endpoint.count).toBe(2);
      expect(newSide.logs.concat(staged.logs).some((line) => line.includes('cannot be decrypted'))).toBe(false);
    });

    it('still treats an entry of a key it does not know as a miss', async () => {
      const writer = await processOnRedis({ GRAPH_TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64') });
      await writer.tokens.getAccessToken();
      const reader = await processOnRedis({
        GRAPH_TOKEN_ENCRYPTION_KEY: newKey,
        GRAPH_TOKEN_ENCRYPTION_KEY_PREVIOUS: oldKey,
      });
      await reader.tokens.getAccessToken();
      expect(reader.tokens.status.source).toBe('network');
      expect(reader.logs.some((line) => line.startsWith('warn') && line.includes('cannot be decrypted'))).toBe(true);
    });
  });

  describe('invalidate(rejectedToken)', () => {
    it('keeps a newer token that a concurrent refresh adopted, in memory and in the cache', async () => {
      const one = await processOnRedis();
      const two = await processOnRedis();
      const rejected = await one.tokens.getAccessToken();
      expect(await two.tokens.getAccessToken()).toBe(rejected);

      // While a caller's Graph request with `rejected` is on its way, a refresh adopts a new token.
      const newer = await one.tokens.getAccessToken({ forceRefresh: true });
      expect(newer).not.toBe(rejected);

      await one.tokens.invalidate(rejected);
      expect(await one.tokens.getAccessToken()).toBe(newer);
      expect(one.tokens.status.source).toBe('memory');
      expect(JSON.parse(shared.redis.cli('GET', KEY)).accessToken).toBe(newer);

      // The other process still holds the rejected one: it drops it and takes the newer one from the cache.
      await two.tokens.invalidate(rejected);
      expect(await two.tokens.getAccessToken()).toBe(newer);
      expect(two.tokens.status.source).toBe('cache');
      expect(shared.endpoint.count).toBe(2);
    });

    it('drops the token everywhere when it is still the current one', async () => {
      const one = await processOnRedis();
      const rejected = await one.tokens.getAccessToken();
      await one.tokens.invalidate(rejected);
      expect(shared.redis.cli('EXISTS', KEY)).toBe('0');
      const next = await one.tokens.getAccessToken();
      expect(next).not.toBe(rejected);
      expect(shared.endpoint.count).toBe(2);
    });

    it('works the same on locmem', async () => {
      const graph = shared.closeAfterTest(await startGraphApp(graphEnv(), shared.endpoint));
      const rejected = await graph.tokens.getAccessToken();
      const newer = await graph.tokens.getAccessToken({ forceRefresh: true });
      await graph.tokens.invalidate(rejected);
      expect(await graph.tokens.getAccessToken()).toBe(newer);
      expect(await graph.cache.get('graph_token_cache')).toMatchObject({ accessToken: newer });
      await graph.tokens.invalidate(newer);
      expect(await graph.cache.get('graph_token_cache')).toBeUndefined();
      expect(shared.endpoint.count).toBe(2);
    });
  });

  describe('clock skew between writer and reader', () => {
    it("a reader whose clock is behind the writer's stops using the token when the entry's TTL ends", async () => {
      const writer = await processOnRedis({ GRAPH_TOKEN_CACHE_DURATION: '3' });
      const token = await writer.tokens.getAccessToken();
      skewEntry(HOUR_MS);

      const reader = await processOnRedis({ GRAPH_TOKEN_CACHE_DURATION: '3' });
      expect(await reader.tokens.getAccessToken()).toBe(token);
      expect(reader.tokens.status.source).toBe('cache');
      // The writer's clock says an hour more; Redis says 3 s. 4.5 s later the token is done.
      await sleep(4500);
      const next = await reader.tokens.getAccessToken();
      expect(next).not.toBe(token);
      expect(reader.tokens.status.source).toBe('network');
    });

    it("a reader whose clock is ahead of the writer's still uses a live entry", async () => {
      const writer = await processOnRedis();
      const token = await writer.tokens.getAccessToken();
      skewEntry(-2 * HOUR_MS);

      const reader = await processOnRedis();
      expect(await reader.tokens.getAccessToken()).toBe(token);
      expect(reader.tokens.status.source).toBe('cache');
      expect(shared.endpoint.count).toBe(1);
      // Its idea of the expiry is the true one, within the TTL's 1 s resolution and some slack.
      expect(
        Math.abs(reader.tokens.status.expiresOn!.getTime() - writer.tokens.status.expiresOn!.getTime()),
      ).toBeLessThan(3000);
    });
  });
});
