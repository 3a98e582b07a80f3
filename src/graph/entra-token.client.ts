import type { ConfidentialClientApplication } from '@azure/msal-node';
import type { Logger } from '@nestjs/common';
import type { GraphTokenOptions } from '../config/cache-options';
import { GraphTokenError } from './graph-token.error';
import { createMsalClient, type GraphCredentials } from './msal-client.factory';
import { toGraphTokenError } from './msal-error.mapper';

/** A token as Entra ID issued it. */
export interface IssuedToken {
  accessToken: string;
  /** Epoch ms. */
  expiresOn: number;
  correlationId?: string;
}

const REQUIRED_SETTINGS: [keyof GraphCredentials, string][] = [
  ['tenantId', 'GRAPH_TENANT_ID'],
  ['clientId', 'GRAPH_CLIENT_ID'],
  ['clientSecret', 'GRAPH_CLIENT_SECRET'],
];

/**
 * One client-credentials token request to Entra ID through msal-node, bounded in time and
 * with every failure as a GraphTokenError. It always goes to the network: GraphTokenService
 * does the caching, so msal-node's own per-process cache is skipped.
 */
export class EntraTokenClient {
  private msal: ConfidentialClientApplication | undefined;

  constructor(
    private readonly graph: GraphTokenOptions,
    private readonly logger: Logger,
    private readonly redact: (text: string) => string,
  ) {}

  /** Environment variable names of the settings a token request needs but does not have. */
  missingSettings(): string[] {
    return REQUIRED_SETTINGS.filter(([field]) => !this.graph[field]).map(([, env]) => env);
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
    let timer: NodeJS.Timeout | undefined;
    // msal-node's token POST has no time limit (measured: still pending after 5 s against a
    // silent endpoint) and takes no abort signal, so the bound is a race. The losing request
    // is left to fail on its own; its outcome is ignored.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new GraphTokenError(
              'TIMEOUT',
              `Entra ID did not answer the token request for tenant ${tenantId} within ${this.graph.requestTimeoutMs} ms (GRAPH_TOKEN_TIMEOUT_MS)`,
            ),
          ),
        this.graph.requestTimeoutMs,
      );
    });
    const acquire = this.client().acquireTokenByClientCredential({ scopes: this.graph.scopes, skipCache: true });
    acquire.catch(() => undefined);
    try {
      const result = await Promise.race([acquire, timeout]);
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
    }
  }

  private client(): ConfidentialClientApplication {
    this.msal ??= createMsalClient(
      this.graph,
      { tenantId: this.graph.tenantId!, clientId: this.graph.clientId!, clientSecret: this.graph.clientSecret! },
      this.logger,
      this.redact,
    );
    return this.msal;
  }
}
