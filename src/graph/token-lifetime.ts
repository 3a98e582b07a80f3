import type { HeldToken } from './graph-token.types';

/**
 * No caller is handed a token with less life left than this. 300 s is msal-node's own
 * renewal margin: enough for a Graph call that starts now to finish with a valid token.
 */
export const EXPIRY_MARGIN_MS = 300_000;

/** Refresh ahead starts this long before a token stops being handed out, at most ... */
const REFRESH_AHEAD_MAX_MS = 300_000;
/** ... and never earlier than in the last quarter of its usable life (short test lifetimes stay useful). */
const REFRESH_AHEAD_SHARE = 0.25;

/**
 * The times that govern one token: it is handed out until `usableUntil`, the earliest of
 * "expiry minus the margin", "fetched plus the cache duration" (IdeaGraph's
 * TOKEN_CACHE_DURATION) and `notAfter`, and refreshed in the background from `refreshFrom`.
 */
export function holdToken(
  accessToken: string,
  expiresOn: number,
  fetchedAt: number,
  cacheDurationSeconds: number,
  notAfter = Number.POSITIVE_INFINITY,
): HeldToken {
  const usableUntil = Math.min(expiresOn - EXPIRY_MARGIN_MS, fetchedAt + cacheDurationSeconds * 1000, notAfter);
  const usableLife = Math.max(0, usableUntil - fetchedAt);
  const refreshFrom = usableUntil - Math.min(REFRESH_AHEAD_MAX_MS, usableLife * REFRESH_AHEAD_SHARE);
  return { accessToken, expiresOn, fetchedAt, usableUntil, refreshFrom };
}
