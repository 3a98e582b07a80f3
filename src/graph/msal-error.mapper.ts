import { GraphTokenError } from './graph-token.error';

interface MsalErrorShape {
  name?: string;
  errorCode?: string;
  errorMessage?: string;
  message?: string;
  correlationId?: string;
  status?: number;
  errorNo?: string | number | null;
}

/**
 * Turns whatever msal-node threw into a GraphTokenError. The shapes below were measured
 * with msal-node 7.2.3 against a fake token endpoint:
 * - an error answer is a ServerError with the HTTP `status` and the AADSTS number in `errorNo`;
 * - after a 5xx or 429, msal-node refuses identical requests (60 s, or Retry-After) by
 *   throwing a ServerError WITHOUT a status: no request was sent;
 * - a body that is not JSON is an AuthError "token_parsing_error".
 */
export function toGraphTokenError(error: unknown, tenantId: string, redact: (text: string) => string): GraphTokenError {
  if (error instanceof GraphTokenError) return error;
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as MsalErrorShape;
  const detail = redact(e.errorMessage || e.message || 'no details');
  const correlation = e.correlationId ? `; correlation id ${e.correlationId}` : '';
  const details = {
    status: e.status,
    correlationId: e.correlationId || undefined,
    serverError: e.errorCode || undefined,
    // Typed as a string, but msal-node 7.2.3 passes Entra's number through unchanged.
    serverErrorNumber: e.errorNo === undefined || e.errorNo === null ? undefined : String(e.errorNo),
  };
  const target = `the token request for tenant ${tenantId}`;

  if (e.name === 'ServerError') {
    if (e.status === undefined) {
      return new GraphTokenError(
        'THROTTLED',
        `msal-node is holding back ${target}: Entra ID answered it with 5xx or 429 moments ago, and msal-node refuses identical requests for 60 s (or the server's Retry-After). Earlier answer: ${detail}${correlation}`,
        details,
      );
    }
    if (e.status === 429) {
      return new GraphTokenError('THROTTLED', `Entra ID throttled ${target} (429): ${detail}${correlation}`, details);
    }
    if (e.status >= 500) {
      return new GraphTokenError(
        'SERVER_ERROR',
        `Entra ID failed ${target} (${e.status}): ${detail}${correlation}`,
        details,
      );
    }
    return new GraphTokenError(
      'REJECTED',
      `Entra ID rejected ${target} (${e.status} ${e.errorCode ?? ''}): ${detail}${correlation}`,
      details,
    );
  }
  if (e.errorCode === 'token_parsing_error' || e.errorCode === 'invalid_response') {
    return new GraphTokenError(
      'INVALID_RESPONSE',
      `Entra ID's answer to ${target} is not a token response: ${detail}${correlation}`,
      details,
    );
  }
  return new GraphTokenError('NETWORK_ERROR', `${capitalize(target)} failed: ${detail}${correlation}`, details);
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
