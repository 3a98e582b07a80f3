import { createHash, X509Certificate } from 'node:crypto';
import { rmSync } from 'node:fs';
import { CacheConfigError, GraphTokenError } from '../../src';
import { FakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { generateGraphCertificate, type GraphCertificate } from './graph-certificate';
import { CLIENT_SECRET, graphEnv, startGraphApp, TENANT, type GraphTestApp } from './graph-test-app';
import { runTokenProcess } from './fixture-process';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** graphEnv without the client secret: the credential comes from elsewhere. */
function envWithoutSecret(overrides: Record<string, string> = {}): Record<string, string> {
  const env = graphEnv(overrides);
  delete env.GRAPH_CLIENT_SECRET;
  return env;
}

describe('GraphTokenService with certificate and assertion credentials', () => {
  let endpoint: FakeTokenEndpoint;
  let cert: GraphCertificate;
  let graph: GraphTestApp | undefined;

  beforeAll(async () => {
    endpoint = await FakeTokenEndpoint.start();
    cert = generateGraphCertificate();
  });
  afterAll(async () => {
    cert.remove();
    await endpoint.stop();
  });
  beforeEach(() => endpoint.reset());
  afterEach(async () => {
    if (graph) {
      const logs = graph.logs.join('\n');
      expect(logs).not.toContain(CLIENT_SECRET);
      expect(logs).not.toContain(cert.privateKeyBody.slice(0, 40));
      await graph.close();
    }
    graph = undefined;
  });

  it('signs the request with the certificate in GRAPH_CLIENT_CERTIFICATE_FILE and sends no secret', async () => {
    endpoint.trustCertificate(cert.certificatePem);
    graph = await startGraphApp(envWithoutSecret({ GRAPH_CLIENT_CERTIFICATE_FILE: cert.pemFile }), endpoint);
    expect(graph.tokens.status.configured).toBe(true);

    const token = await graph.tokens.getAccessToken();
    expect(token).toMatch(/^fake-access-token-/);
    expect(endpoint.requests).toHaveLength(1);
    const [request] = endpoint.requests;
    expect(request).toMatchObject({
      hadSecret: false,
      clientAssertionType: JWT_BEARER,
      assertionValid: true,
      clientId: 'client-1',
    });
    // Named by the SHA-256 thumbprint (x5t#S256) of the certificate in the file.
    const header = JSON.parse(Buffer.from(request.clientAssertion!.split('.')[0], 'base64url').toString('utf8'));
    expect(header['x5t#S256']).toBe(
      createHash('sha256').update(new X509Certificate(cert.certificatePem).raw).digest('base64url'),
    );
  });

  it('is refused by Entra ID when the certificate is not the one registered', async () => {
    const other = generateGraphCertificate();
    try {
      endpoint.trustCertificate(other.certificatePem);
      graph = await startGraphApp(envWithoutSecret({ GRAPH_CLIENT_CERTIFICATE_FILE: cert.pemFile }), endpoint);
      await expect(graph.tokens.getAccessToken()).rejects.toMatchObject({
        name: 'GraphTokenError',
        code: 'REJECTED',
        status: 401,
      });
      expect(endpoint.requests[0].assertionValid).toBe(false);
    } finally {
      other.remove();
    }
  });

  it('sends a clientAssertion given in graph.msal as it is, with no GRAPH_CLIENT_SECRET', async () => {
    const assertion = 'eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.federated-signature';
    graph = await startGraphApp(envWithoutSecret(), {
      msalOptions: (tenant: string) => {
        const base = endpoint.msalOptions(tenant);
        return { ...base, auth: { ...base.auth, clientAssertion: assertion } };
      },
    });
    expect(graph.tokens.status.configured).toBe(true);
    await expect(graph.tokens.getAccessToken()).resolves.toMatch(/^fake-access-token-/);
    expect(endpoint.requests[0]).toMatchObject({
      hadSecret: false,
      clientAssertion: assertion,
      clientAssertionType: JWT_BEARER,
    });
    expect(graph.logs.join('\n')).not.toContain(assertion);
  });

  it('asks a clientAssertion callback for a fresh assertion per request', async () => {
    let calls = 0;
    graph = await startGraphApp(envWithoutSecret(), {
      msalOptions: (tenant: string) => {
        const base = endpoint.msalOptions(tenant);
        return { ...base, auth: { ...base.auth, clientAssertion: async () => `assertion-${++calls}` } };
      },
    });
    await graph.tokens.getAccessToken();
    await graph.tokens.getAccessToken({ forceRefresh: true });
    expect(endpoint.requests.map((r) => r.clientAssertion)).toEqual(['assertion-1', 'assertion-2']);
  });

  it('refuses two credentials at once at startup, naming both', async () => {
    const failure = await startGraphApp(graphEnv({ GRAPH_CLIENT_CERTIFICATE_FILE: cert.pemFile }), endpoint).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(CacheConfigError);
    expect((failure as Error).message).toMatch(/GRAPH_CLIENT_SECRET.*GRAPH_CLIENT_CERTIFICATE_FILE/);
    expect((failure as Error).message).not.toContain(CLIENT_SECRET);

    const assertionAndSecret = await startGraphApp(graphEnv(), {
      msalOptions: (tenant: string) => {
        const base = endpoint.msalOptions(tenant);
        return { ...base, auth: { ...base.auth, clientAssertion: 'some-assertion' } };
      },
    }).catch((e: unknown) => e);
    expect(assertionAndSecret).toBeInstanceOf(CacheConfigError);
    expect((assertionAndSecret as Error).message).toMatch(/GRAPH_CLIENT_SECRET.*graph\.msal\.auth\.clientAssertion/);
  });

  it('refuses an unreadable certificate file, or one without a private key, at startup', async () => {
    const missing = await startGraphApp(
      envWithoutSecret({ GRAPH_CLIENT_CERTIFICATE_FILE: `${cert.dir}/absent.pem` }),
      endpoint,
    ).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(CacheConfigError);
    expect((missing as Error).message).toMatch(/GRAPH_CLIENT_CERTIFICATE_FILE.*cannot be read \(ENOENT\)/);

    const { writeFileSync } = await import('node:fs');
    const certOnly = `${cert.dir}/cert-only.pem`;
    writeFileSync(certOnly, cert.certificatePem);
    const noKey = await startGraphApp(envWithoutSecret({ GRAPH_CLIENT_CERTIFICATE_FILE: certOnly }), endpoint).catch(
      (e: unknown) => e,
    );
    expect(noKey).toBeInstanceOf(CacheConfigError);
    expect((noKey as Error).message).toMatch(/GRAPH_CLIENT_CERTIFICATE_FILE.*private key/);
  });

  it('refuses msal options that msal-node cannot build a client from at startup, as a CacheConfigError', async () => {
    const failure = await startGraphApp(graphEnv(), {
      msalOptions: (tenant: string) => {
        const base = endpoint.msalOptions(tenant);
        return { ...base, auth: { ...base.auth, instanceAware: true } };
      },
    }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CacheConfigError);
    expect((failure as Error).message).toMatch(/graph\.msal.*unsupported_cca_instance_aware/);
    expect(endpoint.count).toBe(0);
  });

  it('a certificate file removed after startup gives a typed error, not a crash', async () => {
    const doomed = generateGraphCertificate();
    graph = await startGraphApp(envWithoutSecret({ GRAPH_CLIENT_CERTIFICATE_FILE: doomed.pemFile }), endpoint);
    rmSync(doomed.pemFile);
    doomed.remove();
    const error = await graph.tokens.getAccessToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphTokenError);
    expect(error).toMatchObject({ code: 'INVALID_CONFIGURATION' });
    expect((error as Error).message).toContain('GRAPH_CLIENT_CERTIFICATE_FILE');
    expect(endpoint.count).toBe(0);
  });

  it('a process whose msal options msal-node refuses ends cleanly with a typed error (exit code 0)', async () => {
    const base = endpoint.msalOptions(TENANT);
    const outcome = await runTokenProcess(
      graphEnv({ GRAPH_TOKEN_TIMEOUT_MS: '500' }),
      { ...base, auth: { ...base.auth, clientAssertion: 'assertion-next-to-a-secret' } },
      // Lingers past the request bound: a timer left behind would fire while it is alive.
      { requests: 2, lingerMs: 1500, exitBoundMs: 10_000 },
    );
    expect(outcome.stderr).not.toMatch(/ClientAuthError|Unhandled/);
    expect(outcome.exitedByItself).toBe(true);
    expect(outcome.exitCode).toBe(0);
    const failures = outcome.lines.filter(
      (line) => line.event === 'startup-failed' || (line.event === 'result' && !line.ok),
    );
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) expect(['CacheConfigError', 'GraphTokenError']).toContain(failure.name);
    expect(JSON.stringify(outcome.lines)).not.toContain(CLIENT_SECRET);
  }, 90_000);
});
