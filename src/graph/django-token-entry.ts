import type { HeldToken } from './graph-token.types';
import type { OpenedEntry, TokenEntryCodec } from './token-cache-entry';
import { holdToken } from './token-lifetime';

/**
 * The entry IdeaGraph's Django graph_service keeps under `graph_token_cache`
 * (core/services/graph_service.py): `{'token': str, 'expires_at': datetime}`, the datetime
 * naive and, with IdeaGraph's TIME_ZONE = 'UTC', in UTC. With CACHE_VALUE_FORMAT=django the
 * value format turns it into this object and back (a Date for the datetime).
 */
export interface DjangoGraphToken {
  token: string;
  expires_at: Date;
}

/**
 * Reads and writes the token in graph_service's shape, so Django and Nest share one token.
 * The shape names no tenant, app or scopes, and no fetch time: both sides must use the
 * same app registration and scopes under one key, and this process keeps its own margin,
 * handing a token out only until `expires_at` minus EXPIRY_MARGIN_MS (and never past the
 * entry's TTL, which the cache counts down for every reader alike).
 */
export class DjangoTokenEntryCodec implements TokenEntryCodec {
  constructor(private readonly cacheDurationSeconds: number) {}

  seal(token: HeldToken): DjangoGraphToken {
    return { token: token.accessToken, expires_at: new Date(token.expiresOn) };
  }

  open(value: unknown, ttlSeconds?: number | null, now = Date.now()): OpenedEntry {
    if (!isDjangoGraphToken(value)) return { problem: "is not graph_service's {'token', 'expires_at'} entry" };
    const notAfter = typeof ttlSeconds === 'number' ? now + ttlSeconds * 1000 : undefined;
    // The fetch time is unknown: counting the cache duration from now bounds the token no later than the entry does.
    return { token: holdToken(value.token, value.expires_at.getTime(), now, this.cacheDurationSeconds, notAfter) };
  }
}

function isDjangoGraphToken(value: unknown): value is DjangoGraphToken {
  const entry = value as Partial<DjangoGraphToken> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.token === 'string' &&
    entry.token !== '' &&
    entry.expires_at instanceof Date &&
    !Number.isNaN(entry.expires_at.getTime())
  );
}
