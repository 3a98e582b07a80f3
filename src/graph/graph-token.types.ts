/** Where the token handed out last came from. */
export type GraphTokenSource = 'memory' | 'cache' | 'network';

export interface GetAccessTokenOptions {
  /**
   * Skip memory and the shared cache and ask Entra ID for a new token now. After a 401
   * from Graph, prefer `invalidate(rejectedToken)`: it lets the fleet share the replacement.
   */
  forceRefresh?: boolean;
}

/** Read-only operator view of GraphTokenService. Never contains a token or a secret. */
export interface GraphTokenStatus {
  /** True when tenant, client id and a client credential (secret, certificate or assertion) are all set. */
  configured: boolean;
  tenantId?: string;
  clientId?: string;
  scopes: string[];
  cacheKey: string;
  /** True when the shared cache entry is written AES-256-GCM encrypted (GRAPH_TOKEN_ENCRYPTION_KEY). */
  encrypted: boolean;
  /** When the token in memory expires at Entra ID. */
  expiresOn?: Date;
  /** When this process starts refreshing it in the background. */
  refreshFrom?: Date;
  /** Where the last token handed out came from. */
  source?: GraphTokenSource;
  memoryHits: number;
  cacheHits: number;
  networkFetches: number;
  networkFailures: number;
  /** Times this process waited for another process's token request. */
  lockWaits: number;
  lastError?: { code: string; message: string; at: Date };
}

/** A token held in memory, with the times derived from it. */
export interface HeldToken {
  accessToken: string;
  /** Epoch ms when Entra ID stops accepting it. */
  expiresOn: number;
  /** Epoch ms when it was issued (fetched from Entra ID). */
  fetchedAt: number;
  /** Epoch ms after which it is no longer handed out (expiry margin and cache duration). */
  usableUntil: number;
  /** Epoch ms from which one caller refreshes it in the background. */
  refreshFrom: number;
}
