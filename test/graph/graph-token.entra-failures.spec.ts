import { GraphTokenError } from '../../src';
import { FakeTokenEndpoint, type FakeTokenAnswer, useFakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { CLIENT_SECRET, graphEnv, sleep, startGraphApp, type GraphTestApp } from './graph-test-app';

describe('GraphTokenService when Entra ID fails', () => {
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

  // A new app per case: msal-node remembers failures per client and would hold back the next case.
  async function failingWith(answer: FakeTokenAnswer, env: Record<string, string> = {}): Promise<GraphTokenError> {
    graph = await startGraphApp(graphEnv(env), endpoint);
    endpoint.answerWith(answer);
    const error = await graph.tokens.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphTokenError);
    expect(JSON.stringify(error)).not.toContain(CLIENT_SECRET);
    expect((error as Error).message).not.toContain(CLIENT_SECRET);
    expect((error as Error).stack).not.toContain(CLIENT_SECRET);
    return error as GraphTokenError;
  }

  it('rejects on a 500 with the status and correlation id, then says msal-node holds the retry back', async () => {
    const error = await failingWith({ kind: 'status', status: 500 });
    expect(error).toMatchObject({
      code: 'SERVER_ERROR',
      status: 500,
      serverError: 'server_error',
      serverErrorNumber: '90000',
    });
    expect(error.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(graph!.tokens.status).toMatchObject({ networkFailures: 1, lastError: { code: 'SERVER_ERROR' } });

    endpoint.answerWith({ kind: 'token' });
    const again = await graph!.tokens.getAccessToken().catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'THROTTLED', status: undefined });
    expect((again as Error).message).toContain('60 s');
    expect(endpoint.count).toBe(1);
  });

  it('rejects on a 429 as THROTTLED', async () => {
    const error = await failingWith({ kind: 'status', status: 429, retryAfterSeconds: 30 });
    expect(error).toMatchObject({ code: 'THROTTLED', status: 429 });
    expect(error.message).toContain('429');
  });

  it('rejects invalid_client as REJECTED, with the AADSTS number', async () => {
    const error = await failingWith({ kind: 'invalidClient' });
    expect(error).toMatchObject({
      code: 'REJECTED',
      status: 401,
      serverError: 'invalid_client',
      serverErrorNumber: '7000215',
    });
    expect(error.message).toContain('AADSTS7000215');
  });

  it('rejects an answer that is not JSON as INVALID_RESPONSE', async () => {
    const error = await failingWith({ kind: 'garbage' });
    expect(error).toMatchObject({ code: 'INVALID_RESPONSE' });
  });

  it('rejects a 200 without access_token as INVALID_RESPONSE', async () => {
    const error = await failingWith({ kind: 'noAccessToken' });
    expect(error).toMatchObject({ code: 'INVALID_RESPONSE', status: 200 });
    expect(error.message).toContain('without an access token');
  });

  it('gives up on an endpoint that never answers after GRAPH_TOKEN_TIMEOUT_MS', async () => {
    graph = await startGraphApp(graphEnv({ GRAPH_TOKEN_TIMEOUT_MS: '800' }), endpoint);
    endpoint.answerWith({ kind: 'hang' });
    const started = Date.now();
    const error = await graph.tokens.getAccessToken().catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    expect(error).toBeInstanceOf(GraphTokenError);
    expect(error).toMatchObject({ code: 'TIMEOUT' });
    expect((error as Error).message).toContain('800 ms');
    expect(endpoint.count).toBe(1);
    // The bound is the point of this case; the upper slack absorbs a busy, shared machine.
    expect(elapsed).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(4000);
  });

  it('shares one failure among concurrent callers', async () => {
    graph = await startGraphApp(graphEnv(), endpoint);
    endpoint.answerWith({ kind: 'status', status: 503 });
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, () => graph!.tokens.getAccessToken()));
    expect(
      outcomes.every((o) => o.status === 'rejected' && (o.reason as GraphTokenError).code === 'SERVER_ERROR'),
    ).toBe(true);
    expect(endpoint.count).toBe(1);
  });

  it('keeps serving a still-valid token, with a warning, when the refresh ahead fails', async () => {
    graph = await startGraphApp(graphEnv({ GRAPH_TOKEN_CACHE_DURATION: '4' }), endpoint);
    const first = await graph.tokens.getAccessToken();
    endpoint.answerWith({ kind: 'status', status: 500 });
    await sleep(3200);
    expect(await graph.tokens.getAccessToken()).toBe(first);
    await endpoint.waitForRequests(2);
    await sleep(50);
    expect(await graph.tokens.getAccessToken()).toBe(first);
    const warnings = graph.logs.filter((line) => line.startsWith('warn'));
    expect(warnings.some((line) => line.includes('SERVER_ERROR') && line.includes('still handed out'))).toBe(true);
    expect(graph.logs.join('\n')).not.toContain(first);
  });

  it('keeps the still-valid token, with a warning, when a forced refresh times out', async () => {
    graph = await startGraphApp(graphEnv({ GRAPH_TOKEN_TIMEOUT_MS: '1500' }), endpoint);
    const first = await graph.tokens.getAccessToken();
    endpoint.answerWith({ kind: 'hang' });
    expect(await graph.tokens.getAccessToken({ forceRefresh: true })).toBe(first);
    expect(graph.logs.some((line) => line.startsWith('warn') && line.includes('TIMEOUT'))).toBe(true);
  });

  it('does not serve an invalidated token when the new request fails', async () => {
    graph = await startGraphApp(graphEnv(), endpoint);
    await graph.tokens.getAccessToken();
    await graph.tokens.invalidate();
    endpoint.answerWith({ kind: 'garbage' });
    await expect(graph.tokens.getAccessToken()).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
    await expect(graph.tokens.getAccessToken({ forceRefresh: true })).rejects.toMatchObject({
      code: 'INVALID_RESPONSE',
    });
  });
});
