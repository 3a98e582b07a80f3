import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCacheEnv, resolveCacheOptions } from '../../src';
import { FakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { CLIENT_SECRET, graphEnv, problemsOf, startGraphApp, TENANT, type GraphTestApp } from './graph-test-app';

/** Not a Microsoft host: msal-node has no built-in metadata for it, so it would ask Microsoft's instance discovery. */
const PRIVATE_AUTHORITY = 'https://login.contoso.test';
const HINT =
  /It takes the authority's OpenID configuration JSON \(with token_endpoint and authorization_endpoint\), inline or as the path of a file/;

/** Every URL Node's fetch (msal-node 7's transport) is asked for while `work` runs, without the query. */
async function requestedUrls(work: () => Promise<unknown>): Promise<string[]> {
  const urls: string[] = [];
  const listener = (message: unknown) => {
    const request = (message as { request: { origin: string; path: string } }).request;
    urls.push(`${request.origin}${request.path.split('?')[0]}`);
  };
  subscribe('undici:request:create', listener);
  try {
    await work();
  } finally {
    unsubscribe('undici:request:create', listener);
  }
  return urls;
}

describe('GRAPH_AUTHORITY_METADATA: a private or test authority from the environment alone', () => {
  let endpoint: FakeTokenEndpoint;
  let graph: GraphTestApp | undefined;
  let dir: string;

  beforeAll(async () => {
    endpoint = await FakeTokenEndpoint.start();
    dir = mkdtempSync(join(tmpdir(), 'authority-metadata-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await endpoint.stop();
  });
  beforeEach(() => endpoint.reset());
  afterEach(async () => {
    if (graph) {
      expect(graph.logs.join('\n')).not.toContain(CLIENT_SECRET);
      await graph.close();
    }
    graph = undefined;
  });

  function file(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  it('inline JSON: a token comes from the endpoint it names, and no request goes anywhere else', async () => {
    const env = graphEnv({
      GRAPH_AUTHORITY_HOST: PRIVATE_AUTHORITY,
      GRAPH_AUTHORITY_METADATA: endpoint.authorityMetadata(TENANT, PRIVATE_AUTHORITY),
    });
    const urls = await requestedUrls(async () => {
      graph = await startGraphApp(env);
      await expect(graph.tokens.getAccessToken()).resolves.toMatch(/^fake-access-token-/);
    });
    expect(urls).toEqual([`http://127.0.0.1:${endpoint.port}/${TENANT}/oauth2/v2.0/token`]);
    expect(endpoint.requests).toHaveLength(1);
    expect(endpoint.requests[0]).toMatchObject({
      grantType: 'client_credentials',
      clientId: 'client-1',
      hadSecret: true,
    });
  });

  it('a file path: the same, read from the file', async () => {
    const path = file('metadata.json', endpoint.authorityMetadata(TENANT, PRIVATE_AUTHORITY));
    const env = graphEnv({ GRAPH_AUTHORITY_HOST: PRIVATE_AUTHORITY, GRAPH_AUTHORITY_METADATA: path });
    expect(parseCacheEnv(env).graph.authorityMetadata).toBe(path);
    const urls = await requestedUrls(async () => {
      graph = await startGraphApp(env);
      await graph.tokens.getAccessToken();
      await graph.tokens.getAccessToken({ forceRefresh: true });
    });
    expect(urls).toEqual([
      `http://127.0.0.1:${endpoint.port}/${TENANT}/oauth2/v2.0/token`,
      `http://127.0.0.1:${endpoint.port}/${TENANT}/oauth2/v2.0/token`,
    ]);
  });

  it('a file gone after startup fails the token request with INVALID_CONFIGURATION, and the next one tries again', async () => {
    const path = file('going.json', endpoint.authorityMetadata(TENANT, PRIVATE_AUTHORITY));
    graph = await startGraphApp(graphEnv({ GRAPH_AUTHORITY_HOST: PRIVATE_AUTHORITY, GRAPH_AUTHORITY_METADATA: path }));
    rmSync(path);
    const error = await graph.tokens.getAccessToken().catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'GraphTokenError', code: 'INVALID_CONFIGURATION' });
    expect((error as Error).message).toContain(
      `GRAPH_AUTHORITY_METADATA (graph.authorityMetadata)=${JSON.stringify(path)}: the file cannot be read (ENOENT)`,
    );
    expect(endpoint.count).toBe(0);

    file('going.json', endpoint.authorityMetadata(TENANT, PRIVATE_AUTHORITY));
    await expect(graph.tokens.getAccessToken()).resolves.toMatch(/^fake-access-token-/);
  });

  describe('a bad value stops startup with one CacheConfigError that names it', () => {
    const token = 'https://login.contoso.test/t/oauth2/v2.0/token';
    const authorize = 'https://login.contoso.test/t/oauth2/v2.0/authorize';

    it.each<[string, string, RegExp]>([
      ['not JSON', '{"token_endpoint": ', /^GRAPH_AUTHORITY_METADATA \(graph\.authorityMetadata\): it is not JSON\. /],
      ['no token_endpoint', JSON.stringify({ authorization_endpoint: authorize }), /: it has no token_endpoint\. /],
      ['neither endpoint', '{}', /: it has no token_endpoint and no authorization_endpoint\. /],
      [
        'a token_endpoint that is not a URL',
        JSON.stringify({ token_endpoint: '/t/oauth2/v2.0/token', authorization_endpoint: authorize }),
        /: its token_endpoint is not an absolute http or https URL\. /,
      ],
      [
        'an authorization_endpoint that is not a string',
        JSON.stringify({ token_endpoint: token, authorization_endpoint: 42 }),
        /: its authorization_endpoint is not an absolute http or https URL\. /,
      ],
    ])('inline, %s', (_name, text, reason) => {
      const problems = problemsOf(() => parseCacheEnv({ GRAPH_AUTHORITY_METADATA: text }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^GRAPH_AUTHORITY_METADATA \(graph\.authorityMetadata\)/);
      expect(problems[0]).toMatch(reason);
      expect(problems[0]).toMatch(HINT);
    });

    it('a token_endpoint over http on a host that is not loopback: the secret would travel in clear text', () => {
      const text = JSON.stringify({
        token_endpoint: 'http://login.contoso.test/t/oauth2/v2.0/token',
        authorization_endpoint: authorize,
      });
      const problems = problemsOf(() => parseCacheEnv(graphEnv({ GRAPH_AUTHORITY_METADATA: text })));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(
        /its token_endpoint is http:\/\/ on a host that is not loopback.*https is required.*127\.0\.0\.1, ::1 and localhost/,
      );
      expect(problems[0]).not.toContain(CLIENT_SECRET);
    });

    it('a file that cannot be read', () => {
      const path = join(dir, 'missing.json');
      const problems = problemsOf(() => parseCacheEnv({ GRAPH_AUTHORITY_METADATA: path }));
      expect(problems).toEqual([
        expect.stringMatching(
          new RegExp(
            `^GRAPH_AUTHORITY_METADATA \\(graph\\.authorityMetadata\\)=${JSON.stringify(path)}: the file cannot be read \\(ENOENT\\)\\. `,
          ),
        ),
      ]);
      expect(problems[0]).toMatch(HINT);
    });

    it.each([
      ['not JSON', 'token_endpoint=https://login.contoso.test', /: it is not JSON\./],
      ['a JSON array', '[]', /: it is not a JSON object\./],
    ])('a file that holds %s', (name, text, reason) => {
      const path = file(`${name.replace(/\W/g, '-')}.json`, text);
      const problems = problemsOf(() => parseCacheEnv({ GRAPH_AUTHORITY_METADATA: path }));
      expect(problems).toHaveLength(1);
      expect(problems[0]).toContain(`GRAPH_AUTHORITY_METADATA (graph.authorityMetadata)=${JSON.stringify(path)}: `);
      expect(problems[0]).toMatch(reason);
    });

    it('given in code as graph.authorityMetadata, too', () => {
      const problems = problemsOf(() => resolveCacheOptions({ graph: { authorityMetadata: '{}' } }));
      expect(problems).toEqual([
        expect.stringMatching(/^GRAPH_AUTHORITY_METADATA \(graph\.authorityMetadata\): it has no token_endpoint/),
      ]);
    });
  });
});
