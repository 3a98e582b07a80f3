import { CacheValueError } from './cache.errors';

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
  return Math.ceil(timeout * 1000);
}
