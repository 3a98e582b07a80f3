import type { Logger } from '@nestjs/common';
import type { GraphTokenOptions } from '../config/cache-options';
import type { EntraTokenClient } from './entra-token.client';
import { GraphTokenError } from './graph-token.error';
import type { HeldToken } from './graph-token.types';
import { EXPIRY_MARGIN_MS, holdToken } from './token-lifetime';

/**
 * One token from Entra ID, with the times that govern it. A token that would be handed out
 * for no time at all (it expires within the margin) is refused as INVALID_RESPONSE.
 */
export async function requestHeldToken(
  entra: EntraTokenClient,
  graph: GraphTokenOptions,
  logger: Logger,
): Promise<HeldToken> {
  const issued = await entra.request();
  const fetchedAt = Date.now();
  const token = holdToken(issued.accessToken, issued.expiresOn, fetchedAt, graph.cacheDurationSeconds);
  if (token.usableUntil <= fetchedAt) {
    throw new GraphTokenError(
      'INVALID_RESPONSE',
      `Entra ID issued a token that expires at ${iso(issued.expiresOn)}, within the ${EXPIRY_MARGIN_MS / 1000} s every token must have left; it is not used`,
      { correlationId: issued.correlationId },
    );
  }
  logger.log(
    `fetched a Microsoft Graph token for tenant ${graph.tenantId}, valid until ${iso(token.expiresOn)}${issued.correlationId ? ` (correlation id ${issued.correlationId})` : ''}`,
  );
  return token;
}

export function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
