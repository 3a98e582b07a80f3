import type { ConfidentialClientApplication } from '@azure/msal-node';
import type { GraphTokenOptions } from '../config/cache-options';
import { AbortableNetworkClient, withAbortSignal } from './abortable-network-client';
import { configuredCredentials } from './client-credential';
import { GraphTokenError } from './graph-token.error';
import { createMsalClient, describeClientBuildError, type MsalLogger } from './msal-client.factory';
import { toGraphTokenError } from './msal-error.mapper';

/** A token as Entra ID issued it. */
export interface IssuedToken {
  accessToken: string;
  /** Epoch ms. */
  expiresOn: number;
  correlationId?: string;
}

/**
 * One client-credentials token request to Entra ID through msal-node, bounded in time and
 * with every failure as a GraphTokenError. It always goes to the network: GraphTokenService
 * does the caching, so msal-node's own per-process cache is skipped.
 */
export class EntraTokenClient {
  private msal: ConfidentialClientApplication | undefined;
  /** How to end each pending request at once, for a shutdown. */
  private readonly pending = new Set<(error: GraphTokenError) => void>();
  private closed = false;

  constructor(
    private readonly graph: GraphTokenOptions,
    private readonly logger: MsalLogger,
    private readonly redact: (text: string) => string,
  ) {}

  /** Environment variable names of the settings a token request needs but does not have. */
  missingSettings(): string[] {
    const missing: string[] = [];
    if (!this.graph.tenantId) missing.push('GRAPH_TENANT_ID');
    if (!this.graph.clientId) missing.push('GRAPH_CLIENT_ID');
    if (configuredCredentials(this.graph).length === 0)
      missing.push('GRAPH_CLIENT_SECRET or GRAPH_CLIENT_CERTIFICATE_FILE');
    return missing;
  }

  async request(): Promise<IssuedToken> {
    const missing = this.missingSettings();
    if (missing.length > 0) {
      throw new GraphTokenError(
        'MISSING_CONFIGURATION',
        `a Microsoft Graph token was requested, but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set`,
        { missing },
      );
    }
    const tenantId = this.graph.tenantId!;
    if (this.closed)
      throw new GraphTokenError(
        'ABORTED',
        `the token request for tenant ${tenantId} was not sent: the app is shutting down`,
      );
    const controller = new AbortController();
    let stop!: (error: GraphTokenError) => void;
    // Rejects at the bound even if msal-node is slow outside the network, or a custom
    // networkClient in graph.msal ignores the abort; the abort closes the socket.
    const stopped = new Promise<never>((_, reject) => {
      stop = (error) => {
        reject(error);
        controller.abort();
      };
    });
    stopped.catch(() => undefined);
    const timer = setTimeout(
      () =>
        stop(
          new GraphTokenError(
            'TIMEOUT',
            `Entra ID did not answer the token request for tenant ${tenantId} within ${this.graph.requestTimeoutMs} ms (GRAPH_TOKEN_TIMEOUT_MS); the request was aborted`,
          ),
        ),
      this.graph.requestTimeoutMs,
    );
    this.pending.add(stop);
    try {
      const msal = this.client(tenantId);
      const acquire = withAbortSignal(controller.signal, () =>
        msal.acquireTokenByClientCredential({ scopes: this.graph.scopes, skipCache: true }),
      );
      acquire.catch(() => undefined);
      const result = await Promise.race([acquire, stopped]);
      const expiresOn = result?.expiresOn?.getTime();
      if (!result?.accessToken || expiresOn === undefined || Number.isNaN(expiresOn)) {
        // msal-node 7.2.3 resolves with accessToken "" and expiresOn null for a 200 without access_token.
        throw new GraphTokenError(
          'INVALID_RESPONSE',
          `Entra ID answered the token request for tenant ${tenantId} without an access token${result?.correlationId ? `; correlation id ${result.correlationId}` : ''}`,
          { correlationId: result?.correlationId || undefined, status: 200 },
        );
      }
      return { accessToken: result.accessToken, expiresOn, correlationId: result.correlationId || undefined };
    } catch (error) {
      throw toGraphTokenError(error, tenantId, this.redact);
    } finally {
      clearTimeout(timer);
      this.pending.delete(stop);
      // Nothing may outlive the request: a discovery call msal-node left running is cut too.
      controller.abort();
    }
  }

  /** Ends every pending request now and refuses new ones, so no socket outlives the app. */
  close(): void {
    this.closed = true;
    for (const stop of this.pending) {
      stop(
        new GraphTokenError(
          'ABORTED',
          `the token request for tenant ${this.graph.tenantId} was aborted: the app is shutting down`,
        ),
      );
    }
  }

  private client(tenantId: string): ConfidentialClientApplication {
    if (this.msal) return this.msal;
    try {
      this.msal = createMsalClient(
        this.graph,
        this.logger,
        this.redact,
        new AbortableNetworkClient(this.graph.requestTimeoutMs),
      );
    } catch (error) {
      // Not kept: the next request tries again (a certificate file may be back by then).
      throw new GraphTokenError(
        'INVALID_CONFIGURATION',
        `msal-node's client for tenant ${tenantId} cannot be built: ${describeClientBuildError(error, this.redact)}`,
      );
    }
    return this.msal;
  }
}
