import { createHash } from 'node:crypto';
import { LOCK_KEY_PREFIX } from '../keys/cache-key';

/**
 * The fleet lock of a getOrSet key. A hash, not `<key>:lock`: that could be a key of the
 * app's own, and would pass the key length limit for long keys. Keys starting with
 * `~lock:` are reserved for these locks: public calls refuse them.
 */
export function fleetLockKey(key: string): string {
  return `${LOCK_KEY_PREFIX}${createHash('sha256').update(key).digest('base64url')}`;
}
