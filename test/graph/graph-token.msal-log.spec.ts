import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { AbortableNetworkClient } from '../../src/graph/abortable-network-client';
import { FakeTokenEndpoint, useFakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { graphEnv, startGraphApp, TENANT, type GraphTestApp } from './graph-test-app';

/** Not a Microsoft host, and not a known authority: msal-node asks instance discovery about it. */
const PRIVATE_AUTHORITY = 'https://login.contoso.test';

/**
 * Answers msal-node's instance-discovery GET here, with `discovery`, instead of at Microsoft;
 * token POSTs go to the fake endpoint as usual. msal-node logs a warning or an error for
 * some discovery answers, which is a cheap way to make it log something besides the noise.
 */
class LocalDiscoveryNetwork implements INetworkModule {
  readonly discoveryRequests: string[] = [];
  private readonly network = new AbortableNetworkClient(3000);

  constructor(private readonly discovery: object) {}

  async sendGetRequestAsync<T>(url: string): Promise<NetworkResponse<T>> {
    this.discoveryRequests.push(url.split('?')[0]);
    return { headers: {}, body: this.discovery as T, status: 'error' in this.discovery ? 400 : 200 };
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.network.sendPostRequestAsync<T>(url, options);
  }
}

describe("msal-node's log lines in the Nest log", () => {
  let endpoint: FakeTokenEndpoint;
  let graph: GraphTestApp | undefined;

  useFakeTokenEndpoint((started) => (endpoint = started));
  afterEach(async () => {
    await graph?.close();
    graph = undefined;
  });

  function msalLines(level: 'warn' | 'error'): string[] {
    return graph!.logs.filter((line) => line.startsWith(`${level} msal: `));
  }

  /** The app on a private authority whose discovery `network` answers. */
  async function startWithDiscovery(network: LocalDiscoveryNetwork): Promise<GraphTestApp> {
    graph = await startGraphApp(graphEnv({ GRAPH_AUTHORITY_HOST: PRIVATE_AUTHORITY }), {
      msalOptions: (tenantId: string) => ({
        auth: { authorityMetadata: endpoint.authorityMetadata(tenantId, PRIVATE_AUTHORITY) },
        system: { networkClient: network },
      }),
    });
    return graph;
  }

  it('a token fetch logs no "No client info in response" (an app token never has client info)', async () => {
    graph = await startGraphApp(graphEnv(), endpoint);
    await expect(graph.tokens.getAccessToken()).resolves.toMatch(/^fake-access-token-/);
    await graph.tokens.getAccessToken({ forceRefresh: true });
    expect(endpoint.count).toBe(2);
    // The log was captured: the service's own line about the fetch is there.
    expect(graph.logs.filter((line) => line.includes('fetched a Microsoft Graph token'))).toHaveLength(2);
    expect(graph.logs.filter((line) => line.includes('No client info'))).toEqual([]);
  });

  it('another msal-node warning in the same fetch still reaches the log, as a warning', async () => {
    const network = new LocalDiscoveryNetwork({
      tenant_discovery_endpoint: `${PRIVATE_AUTHORITY}/${TENANT}/v2.0/.well-known/openid-configuration`,
      metadata: [],
    });
    const { tokens } = await startWithDiscovery(network);
    await expect(tokens.getAccessToken()).resolves.toMatch(/^fake-access-token-/);
    expect(network.discoveryRequests).toEqual(['https://login.microsoftonline.com/common/discovery/instance']);
    expect(msalLines('warn')).toEqual([
      expect.stringContaining(
        "Warning - The developer's authority was not found within the CloudInstanceDiscoveryMetadata",
      ),
    ]);
    expect(graph!.logs.filter((line) => line.includes('No client info'))).toEqual([]);
  });

  it('an msal-node error reaches the log at error level', async () => {
    const network = new LocalDiscoveryNetwork({
      error: 'invalid_instance',
      error_description: 'AADSTS50049: Unknown or invalid instance.',
    });
    const { tokens } = await startWithDiscovery(network);
    await expect(tokens.getAccessToken()).rejects.toMatchObject({ name: 'GraphTokenError' });
    expect(msalLines('error')).toEqual([
      expect.stringContaining('Error - The CloudInstanceDiscoveryErrorResponse error is invalid_instance.'),
    ]);
    expect(msalLines('warn')).toEqual([
      expect.stringContaining('Warning - A CloudInstanceDiscoveryErrorResponse was returned'),
    ]);
    expect(endpoint.count).toBe(0);
  });
});
