import { FakeTokenEndpoint, useFakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { runTokenProcess } from './fixture-process';
import { graphEnv, sleep, startGraphApp, TENANT, type GraphTestApp } from './graph-test-app';

/** Polls until `probe` holds or `boundMs` passes; the bound is generous, the condition is what counts. */
async function eventually(probe: () => boolean, boundMs: number): Promise<boolean> {
  const deadline = Date.now() + boundMs;
  while (!probe() && Date.now() < deadline) await sleep(25);
  return probe();
}

describe('GraphTokenService against an endpoint that never answers', () => {
  let endpoint: FakeTokenEndpoint;
  let graph: GraphTestApp | undefined;

  useFakeTokenEndpoint((started) => (endpoint = started));
  afterEach(async () => {
    await graph?.close();
    graph = undefined;
  });

  it('closes the connection of every timed-out request', async () => {
    // Long enough for every request to reach the endpoint on a busy machine: the bound
    // covers msal-node's work before it sends, too.
    graph = await startGraphApp(graphEnv({ GRAPH_TOKEN_TIMEOUT_MS: '1500' }), endpoint);
    endpoint.answerWith({ kind: 'hang' });
    for (let i = 0; i < 5; i++) {
      await expect(graph.tokens.getAccessToken()).rejects.toMatchObject({ name: 'GraphTokenError', code: 'TIMEOUT' });
    }
    expect(endpoint.count).toBe(5);
    // Aborted at the bound; the close reaches the server a moment later.
    expect(await eventually(() => endpoint.openHangingConnections === 0, 3000)).toBe(true);
  });

  it('aborts a pending request when the app closes', async () => {
    graph = await startGraphApp(graphEnv({ GRAPH_TOKEN_TIMEOUT_MS: '60000' }), endpoint);
    endpoint.answerWith({ kind: 'hang' });
    const pending = graph.tokens.getAccessToken().catch((e: unknown) => e);
    await endpoint.waitForRequests(1);
    await graph.close();
    graph = undefined;
    // Far below the 60 s bound: the close, not the timeout, ended it.
    expect(await eventually(() => endpoint.openHangingConnections === 0, 3000)).toBe(true);
    await expect(pending).resolves.toMatchObject({ name: 'GraphTokenError' });
  });

  it('lets the process exit by itself after app.close(), after timed-out and pending requests', async () => {
    endpoint.answerWith({ kind: 'hang' });
    const outcome = await runTokenProcess(graphEnv({ GRAPH_TOKEN_TIMEOUT_MS: '1000' }), endpoint.msalOptions(TENANT), {
      requests: 5,
      pendingAtClose: true,
      // Nothing should be left to wait for; 10 s absorbs a busy machine and is still far
      // below "never", which is what an open socket to a hung endpoint means.
      exitBoundMs: 10_000,
    });
    expect(outcome.lines.filter((line) => line.event === 'result').map((line) => line.code)).toEqual(
      Array(5).fill('TIMEOUT'),
    );
    expect(outcome.lines.at(-1)?.event).toBe('closed');
    expect(outcome.exitedByItself).toBe(true);
    expect(outcome.exitCode).toBe(0);
    // Hung connections did exist (each would hold the process open); on a busy machine a
    // request can time out before it is sent, so not necessarily all six.
    expect(endpoint.count).toBeGreaterThanOrEqual(2);
    expect(endpoint.count).toBeLessThanOrEqual(6);
  }, 90_000);
});
