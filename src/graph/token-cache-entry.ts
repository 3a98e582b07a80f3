import { logText } from '../common/log-text';
import type { HeldToken } from './graph-token.types';
import { decryptText, encryptText, isEncryptedText, TokenDecryptError } from './token-crypto';
import { holdToken } from './token-lifetime';
import { writerClockOffsetMs } from './writer-clock';

/** Who a token was issued to. Tokens of another tenant, app or scope set are never shared. */
export interface TokenIdentity {
  tenantId: string;
  clientId: string;
  scopes: string[];
}

/**
 * The shared cache entry, readable with `redis-cli GET :1:graph_token_cache` when it is not
 * encrypted. Besides IdeaGraph's `{ accessToken, expiresOn }` it names the identity the
 * token belongs to and when it was fetched (which bounds it by the cache duration).
 */
export interface StoredGraphToken extends TokenIdentity {
  accessToken: string;
  /** ISO 8601, on the writer's clock. */
  expiresOn: string;
  /** ISO 8601, on the writer's clock. */
  fetchedAt: string;
  /**
   * ISO 8601, on the writer's clock: when the entry's TTL ends. Paired with the TTL a
   * reader finds, it maps the writer's clock onto the reader's. Absent in entries written
   * before it existed; the reader then computes it as the writer did.
   */
  cachedUntil?: string;
}

export type OpenedEntry = { token: HeldToken } | { problem: string };

/** Turns held tokens into the shared cache value and back; one per value format (createTokenEntryCodec). */
export interface TokenEntryCodec {
  /** The value stored for `token`. */
  seal(token: HeldToken): unknown;
  /**
   * A token on this process's clock, or why the value is not one this service may use
   * (which then counts as a miss). `ttlSeconds` is what the cache says is left of the
   * entry (null: no expiry, undefined: unknown).
   */
  open(value: unknown, ttlSeconds?: number | null, now?: number): OpenedEntry;
}

/** The keys of GRAPH_TOKEN_ENCRYPTION_KEY and GRAPH_TOKEN_ENCRYPTION_KEY_PREVIOUS. */
export interface EntryKeys {
  /** Entries are written with it, and read with it first. */
  current?: Buffer;
  /** Entries are also read with it, never written: for a rolling key change. */
  previous?: Buffer;
}

/** Turns held tokens into cache values and back, encrypting them when a key is set. */
export class TokenCacheEntryCodec implements TokenEntryCodec {
  constructor(
    private readonly identity: TokenIdentity,
    private readonly cacheKey: string,
    private readonly cacheDurationSeconds: number,
    private readonly keys: EntryKeys = {},
  ) {}

  seal(token: HeldToken): StoredGraphToken | string {
    const entry: StoredGraphToken = {
      accessToken: token.accessToken,
      expiresOn: new Date(token.expiresOn).toISOString(),
      fetchedAt: new Date(token.fetchedAt).toISOString(),
      cachedUntil: new Date(token.usableUntil).toISOString(),
      tenantId: this.identity.tenantId,
      clientId: this.identity.clientId,
      scopes: this.identity.scopes,
    };
    return this.keys.current ? encryptText(JSON.stringify(entry), this.keys.current, this.cacheKey) : entry;
  }

  /**
   * A token on this process's clock, or why the value is not one this service may use
   * (which then counts as a miss). `ttlSeconds` is what the cache says is left of the
   * entry (null: no expiry, undefined: unknown); it bounds the token, whatever the
   * writer's clock said.
   */
  open(value: unknown, ttlSeconds?: number | null, now = Date.now()): OpenedEntry {
    const decoded = this.decode(value);
    if ('problem' in decoded) return decoded;
    const entry = decoded.entry;
    if (!isStoredToken(entry)) return { problem: 'is not a token entry written by GraphTokenService' };
    if (!this.sameIdentity(entry)) {
      return {
        // Whoever can write the cache wrote these: escaped and shortened before they reach the log line.
        problem: `belongs to tenant ${logText(entry.tenantId, 60)}, client ${logText(entry.clientId, 60)}, scopes ${logText(entry.scopes.join(' '), 120)}; give each app registration its own GRAPH_TOKEN_CACHE_KEY`,
      };
    }
    const expiresOn = Date.parse(entry.expiresOn);
    const fetchedAt = Date.parse(entry.fetchedAt);
    if (Number.isNaN(expiresOn) || Number.isNaN(fetchedAt)) return { problem: 'has unreadable dates' };
    const cachedUntil = entry.cachedUntil === undefined ? NaN : Date.parse(entry.cachedUntil);
    const writerEnd = Number.isNaN(cachedUntil)
      ? holdToken('', expiresOn, fetchedAt, this.cacheDurationSeconds).usableUntil
      : cachedUntil;
    const offset = writerClockOffsetMs(writerEnd, ttlSeconds, now);
    // Never held past the entry's own end: the writer's cache duration may be shorter than ours.
    const notAfter = typeof ttlSeconds === 'number' ? now + ttlSeconds * 1000 : undefined;
    return {
      token: holdToken(entry.accessToken, expiresOn - offset, fetchedAt - offset, this.cacheDurationSeconds, notAfter),
    };
  }

  private decode(value: unknown): { entry: unknown } | { problem: string } {
    if (!isEncryptedText(value)) {
      return this.keys.current
        ? { problem: 'is not encrypted although GRAPH_TOKEN_ENCRYPTION_KEY is set' }
        : { entry: value };
    }
    const keys = [this.keys.current, this.keys.previous].filter((key): key is Buffer => key !== undefined);
    if (keys.length === 0)
      return { problem: 'is encrypted, but GRAPH_TOKEN_ENCRYPTION_KEY is not set in this process' };
    let reason = '';
    for (const key of keys) {
      try {
        return { entry: JSON.parse(decryptText(value, key, this.cacheKey)) };
      } catch (error) {
        reason = error instanceof TokenDecryptError ? error.message : 'not JSON inside';
      }
    }
    const tried = [
      this.keys.current && 'GRAPH_TOKEN_ENCRYPTION_KEY',
      this.keys.previous && 'GRAPH_TOKEN_ENCRYPTION_KEY_PREVIOUS',
    ].filter(Boolean);
    return { problem: `cannot be decrypted with ${tried.join(' or ')} (${reason})` };
  }

  private sameIdentity(entry: StoredGraphToken): boolean {
    return (
      entry.tenantId === this.identity.tenantId &&
      entry.clientId === this.identity.clientId &&
      sortedScopes(entry.scopes) === sortedScopes(this.identity.scopes)
    );
  }
}

function sortedScopes(scopes: string[]): string {
  return [...scopes].sort().join(' ');
}

function isStoredToken(value: unknown): value is StoredGraphToken {
  const entry = value as Partial<StoredGraphToken> | null;
  return (
    typeof entry === 'object' &&
    entry !== null &&
    typeof entry.accessToken === 'string' &&
    entry.accessToken !== '' &&
    typeof entry.expiresOn === 'string' &&
    typeof entry.fetchedAt === 'string' &&
    (entry.cachedUntil === undefined || typeof entry.cachedUntil === 'string') &&
    typeof entry.tenantId === 'string' &&
    typeof entry.clientId === 'string' &&
    Array.isArray(entry.scopes) &&
    entry.scopes.every((scope) => typeof scope === 'string')
  );
}
