import type { HeldToken } from './graph-token.types';
import { decryptText, encryptText, isEncryptedText, TokenDecryptError } from './token-crypto';
import { holdToken } from './token-lifetime';

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
  /** ISO 8601. */
  expiresOn: string;
  /** ISO 8601. */
  fetchedAt: string;
}

export type OpenedEntry = { token: HeldToken } | { problem: string };

/** Turns held tokens into cache values and back, encrypting them when a key is set. */
export class TokenCacheEntryCodec {
  constructor(
    private readonly identity: TokenIdentity,
    private readonly cacheKey: string,
    private readonly cacheDurationSeconds: number,
    private readonly encryptionKey?: Buffer,
  ) {}

  seal(token: HeldToken): StoredGraphToken | string {
    const entry: StoredGraphToken = {
      accessToken: token.accessToken,
      expiresOn: new Date(token.expiresOn).toISOString(),
      fetchedAt: new Date(token.fetchedAt).toISOString(),
      tenantId: this.identity.tenantId,
      clientId: this.identity.clientId,
      scopes: this.identity.scopes,
    };
    return this.encryptionKey ? encryptText(JSON.stringify(entry), this.encryptionKey, this.cacheKey) : entry;
  }

  /** A token, or why the value is not one this service may use (which then counts as a miss). */
  open(value: unknown): OpenedEntry {
    let entry: unknown = value;
    if (this.encryptionKey) {
      if (!isEncryptedText(value)) return { problem: 'is not encrypted although GRAPH_TOKEN_ENCRYPTION_KEY is set' };
      try {
        entry = JSON.parse(decryptText(value, this.encryptionKey, this.cacheKey));
      } catch (error) {
        return { problem: `cannot be decrypted (${error instanceof TokenDecryptError ? error.message : 'not JSON inside'})` };
      }
    } else if (isEncryptedText(value)) {
      return { problem: 'is encrypted, but GRAPH_TOKEN_ENCRYPTION_KEY is not set in this process' };
    }
    if (!isStoredToken(entry)) return { problem: 'is not a token entry written by GraphTokenService' };
    if (!this.sameIdentity(entry)) {
      return {
        problem: `belongs to tenant ${entry.tenantId}, client ${entry.clientId}, scopes ${entry.scopes.join(' ')}; give each app registration its own GRAPH_TOKEN_CACHE_KEY`,
      };
    }
    const expiresOn = Date.parse(entry.expiresOn);
    const fetchedAt = Date.parse(entry.fetchedAt);
    if (Number.isNaN(expiresOn) || Number.isNaN(fetchedAt)) return { problem: 'has unreadable dates' };
    return { token: holdToken(entry.accessToken, expiresOn, fetchedAt, this.cacheDurationSeconds) };
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
    typeof entry.tenantId === 'string' &&
    typeof entry.clientId === 'string' &&
    Array.isArray(entry.scopes) &&
    entry.scopes.every((scope) => typeof scope === 'string')
  );
}
