/**
 * Why a Microsoft Graph token could not be handed out:
 * - MISSING_CONFIGURATION: GRAPH_TENANT_ID, GRAPH_CLIENT_ID or a client credential (GRAPH_CLIENT_SECRET,
 *   GRAPH_CLIENT_CERTIFICATE_FILE, or one in graph.msal.auth) is not set;
 * - INVALID_CONFIGURATION: msal-node's client cannot be built from the settings (e.g. the
 *   certificate file went missing after startup, which checked it);
 * - TIMEOUT: Entra ID did not answer within GRAPH_TOKEN_TIMEOUT_MS (the request is aborted);
 * - ABORTED: the app shut down while the request was pending;
 * - SERVER_ERROR: Entra ID answered 5xx;
 * - THROTTLED: Entra ID answered 429, or msal-node refuses to repeat a request that just failed
 *   with 5xx/429 (it holds identical requests back for 60 s, or for the server's Retry-After);
 * - REJECTED: Entra ID refused the credentials or the request (invalid_client, invalid_scope ...);
 * - INVALID_RESPONSE: the answer was not a usable token (not JSON, no access_token, too short-lived);
 * - NETWORK_ERROR: the token endpoint could not be reached.
 */
export type GraphTokenErrorCode =
  | 'MISSING_CONFIGURATION'
  | 'INVALID_CONFIGURATION'
  | 'TIMEOUT'
  | 'ABORTED'
  | 'SERVER_ERROR'
  | 'THROTTLED'
  | 'REJECTED'
  | 'INVALID_RESPONSE'
  | 'NETWORK_ERROR';

export interface GraphTokenErrorDetails {
  /** HTTP status of Entra ID's answer, when there was one. */
  status?: number;
  /** MSAL's correlation id for the request; quote it to Microsoft support. */
  correlationId?: string;
  /** Entra ID's error, e.g. "invalid_client", and its AADSTS number, e.g. "7000215". */
  serverError?: string;
  serverErrorNumber?: string;
  /** Names of the settings that are missing (MISSING_CONFIGURATION). */
  missing?: string[];
}

/** A token request that failed. Never contains a credential or a token. */
export class GraphTokenError extends Error {
  override readonly name = 'GraphTokenError';
  readonly status?: number;
  readonly correlationId?: string;
  readonly serverError?: string;
  readonly serverErrorNumber?: string;
  readonly missing?: string[];

  constructor(
    readonly code: GraphTokenErrorCode,
    message: string,
    details: GraphTokenErrorDetails = {},
  ) {
    super(message);
    this.status = details.status;
    this.correlationId = details.correlationId;
    this.serverError = details.serverError;
    this.serverErrorNumber = details.serverErrorNumber;
    this.missing = details.missing;
  }
}
