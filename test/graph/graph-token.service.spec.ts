import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { GraphTokenError } from '../../src';
import { FakeTokenEndpoint, useFakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { CLIENT_SECRET, graphEnv, sleep, startGraphApp, type GraphTestApp } from './graph-test-app';

const MARGIN_MS = 300_000;

describe('GraphTokenService (one process, locmem cache)', () => {
  let endpoint: FakeTokenEndpoint;
  let graph: GraphTestApp | undefined;

  useFakeTokenEndpoint((started) => (endpoint = started));
  afterEach(async () => {
    if (graph) {
      expect(graph.logs.join('\n')).not.toContain(CLIENT_SECRET);
      await graph.close();
    }
    graph = undefined;
  });

  async function start(env: Record<string, string> = {}): Promise<GraphTestApp> {
    graph = await startGraphApp(graphEnv(env), endpoint);
    return graph;
  }

  it('fetches once when cold, then serves the token from memory', async () => {
    const { tokens } = await start();
    const first = await tokens.getAccessToken();
    expect(first).toMatch(/^fake-access-token-/);
    expect(tokens.status.source).toBe('network');
    expect(endpoint.count).toBe(1);
    expect(endpoint.requests[0]).toMatchObject({
      method: 'POST',
      path: '/test-tenant/oauth2/v2.0/token',
      grantType: 'client_credentials',
      clientId: 'client-1',
      scope: expect.stringContaining('https://graph.microsoft.com/.default'),
      hadSecret: true,
    });

    const second = await tokens.getAccessToken();
    expect(second).toBe(first);
    expect(endpoint.count).toBe(1);
    expect(tokens.status).toMatchObject({
      source: 'memory',
      memoryHits: 1,
      networkFetches: 1,
      cacheHits: 0,
      configured: true,
    });
  });

  it('reports operator details without the token or the secret', async () => {
    const { tokens } = await start();
    const token = await tokens.getAccessToken();
    const status = tokens.status;
    expect(status.expiresOn!.getTime()).toBeGreaterThan(Date.now() + MARGIN_MS);
    expect(status.refreshFrom!.getTime()).toBeLessThan(status.expiresOn!.getTime() - MARGIN_MS);
    expect(status).toMatchObject({
      tenantId: 'test-tenant',
      clientId: 'client-1',
      cacheKey: 'graph_token_cache',
      encrypted: false,
    });
    const text = JSON.stringify(status);
    expect(text).not.toContain(token);
    expect(text).not.toContain(CLIENT_SECRET);
  });

  it('sends 1 token request for 1000 concurrent callers', async () => {
    const { tokens } = await start();
    endpoint.answerWith({ kind: 'token', delayMs: 100 });
    const all = await Promise.all(Array.from({ length: 1000 }, () => tokens.getAccessToken()));
    expect(new Set(all).size).toBe(1);
    expect(endpoint.count).toBe(1);
  });

  it('makes no network call other than to the token endpoint', async () => {
    const origins: string[] = [];
    // Node's fetch (which msal-node 7 uses) announces every request on this channel.
    const listener = (message: unknown) => {
      const request = (message as { request: { origin: string; path: string } }).request;
      origins.push(`${request.origin}${request.path.split('?')[0]}`);
    };
    subscribe('undici:request:create', listener);
    try {
      const { tokens } = await start();
      await tokens.getAccessToken();
      await tokens.getAccessToken({ forceRefresh: true });
    } finally {
      unsubscribe('undici:request:create', listener);
    }
    expect(origins).toEqual([
      `http://127.0.0.1:${endpoint.port}/test-tenant/oauth2/v2.0/token`,
      `http://127.0.0.1:${endpoint.port}/test-tenant/oauth2/v2.0/token`,
    ]);
  });

  it('never hands out a token with less than the 300 s margin left, and fetches anew after it', async () => {
    const { tokens } = await start();
    // 305 s of life minus the 300 s margin: usable for 4-6 s (msal-node rounds the issue time
    // to whole seconds, and a slow answer on a busy machine eats into it).
    endpoint.answerWith({ kind: 'token', expiresIn: 305 });
    const first = await tokens.getAccessToken();
    expect(tokens.status.expiresOn!.getTime() - Date.now()).toBeGreaterThanOrEqual(MARGIN_MS);
    expect(await tokens.getAccessToken()).toBe(first);
    expect(endpoint.count).toBe(1);

    await sleep(6100);
    const second = await tokens.getAccessToken();
    expect(second).not.toBe(first);
    expect(endpoint.count).toBe(2);
    expect(tokens.status.source).toBe('network');
    expect(tokens.status.expiresOn!.getTime() - Date.now()).toBeGreaterThanOrEqual(MARGIN_MS);
  });

  it('refuses a token that lives less than the margin', async () => {
    const { tokens } = await start();
    endpoint.answerWith({ kind: 'token', expiresIn: 120 });
    const error = await tokens.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphTokenError);
    expect(error).toMatchObject({ code: 'INVALID_RESPONSE' });
    expect((error as Error).message).toContain('300 s');
  });

  it('refreshes ahead in the background while callers keep the still-valid token', async () => {
    // A 4 s cache duration: handed out for 4 s, refreshed in the background during the last second.
    const { tokens } = await start({ GRAPH_TOKEN_CACHE_DURATION: '4' });
    const first = await tokens.getAccessToken();
    await sleep(3200);
    endpoint.answerWith({ kind: 'token', delayMs: 300 });
    const during = await Promise.all(Array.from({ length: 50 }, () => tokens.getAccessToken()));
    expect(new Set(during)).toEqual(new Set([first]));
    await endpoint.waitForRequests(2);
    let next = first;
    for (let i = 0; i < 50 && next === first; i++) {
      await sleep(20);
      next = await tokens.getAccessToken();
    }
    expect(next).not.toBe(first);
    expect(endpoint.count).toBe(2);
  });

  it('invalidate drops the token from memory and from the cache', async () => {
    const { tokens, cache } = await start();
    const first = await tokens.getAccessToken();
    expect(await cache.get('graph_token_cache')).toMatchObject({ accessToken: first });
    await tokens.invalidate();
    expect(await cache.get('graph_token_cache')).toBeUndefined();
    expect(tokens.status.expiresOn).toBeUndefined();

    const second = await tokens.getAccessToken();
    expect(second).not.toBe(first);
    expect(endpoint.count).toBe(2);
    expect(await cache.get('graph_token_cache')).toMatchObject({ accessToken: second });
  });

  it('forceRefresh goes to the network even with a valid token in memory and cache', async () => {
    const { tokens, cache } = await start();
    const first = await tokens.getAccessToken();
    const [a, b] = await Promise.all([
      tokens.getAccessToken({ forceRefresh: true }),
      tokens.getAccessToken({ forceRefresh: true }),
    ]);
    expect(a).toBe(b);
    expect(a).not.toBe(first);
    expect(endpoint.count).toBe(2);
    expect(await tokens.getAccessToken()).toBe(a);
    expect(await cache.get('graph_token_cache')).toMatchObject({ accessToken: a });
  });

  it('starts without any GRAPH_* variable; a token request then names all missing ones', async () => {
    graph = await startGraphApp({ CACHE_BACKEND: 'locmem' }, endpoint);
    const { tokens } = graph;
    expect(tokens.status.configured).toBe(false);
    const error = await tokens.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphTokenError);
    expect(error).toMatchObject({
      code: 'MISSING_CONFIGURATION',
      missing: ['GRAPH_TENANT_ID', 'GRAPH_CLIENT_ID', 'GRAPH_CLIENT_SECRET or GRAPH_CLIENT_CERTIFICATE_FILE'],
    });
    expect((error as Error).message).toContain(
      'GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_CLIENT_SECRET or GRAPH_CLIENT_CERTIFICATE_FILE are not set',
    );
    expect(endpoint.count).toBe(0);
  });

  it('names only the missing setting when the others are set', async () => {
    const env = graphEnv();
    delete env.GRAPH_CLIENT_SECRET;
    graph = await startGraphApp(env, endpoint);
    const error = await graph.tokens.getAccessToken({ forceRefresh: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'MISSING_CONFIGURATION',
      missing: ['GRAPH_CLIENT_SECRET or GRAPH_CLIENT_CERTIFICATE_FILE'],
    });
    expect((error as Error).message).toMatch(/GRAPH_CLIENT_SECRET or GRAPH_CLIENT_CERTIFICATE_FILE is not set$/);
    expect(endpoint.count).toBe(0);
  });
});
