import { CacheValueError } from '../errors/cache.errors';

/** Timeout in seconds; `null` never expires; 0 or less stores nothing and removes the entry. */
export type CacheTimeout = number | null;

/**
 * Longest timeout, in seconds: 2^31 - 1, about 68 years. Redis refuses an expiry whose
 * absolute time overflows (a set with 1e16 s was refused, on every call), and locmem must
 * accept exactly what Redis accepts. Use null for "never expires".
 */
export const MAX_TIMEOUT_SECONDS = 2_147_483_647;

/**
 * How long to keep an entry, from a timeout in seconds:
 * - `undefined` -> the default timeout;
 * - `null` -> never expires (returns null);
 * - 0 or negative -> do not store, remove what is there (returns 0);
 * - otherwise milliseconds, rounded up.
 */
export function timeoutToMs(timeout: number | null | undefined, defaultTimeoutSeconds: number): number | null {
  if (timeout === undefined) return defaultTimeoutSeconds * 1000;
  if (timeout === null) return null;
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout === Infinity) {
    throw new CacheValueError(
      `timeout must be a number of seconds, null (never expire) or omitted; got ${String(timeout)}`,
      'INVALID_TIMEOUT',
    );
  }
  if (timeout <= 0) return 0;
  if (timeout > MAX_TIMEOUT_SECONDS) {
    throw new CacheValueError(
      `timeout must be at most ${MAX_TIMEOUT_SECONDS} seconds (about 68 years); use null to never expire; got ${timeout}`,
      'INVALID_TIMEOUT',
    );
  }
  return Math.ceil(timeout * 1000);
}
