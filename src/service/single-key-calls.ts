import { CacheValueError } from '../errors/cache.errors';
import { assertValidKey } from '../keys/cache-key';
import { timeoutToMs, type CacheTimeout } from '../keys/cache-timeout';
import { NotAnIntegerError } from '../stores/cache-store';
import { assertDelta } from './call-arguments';
import type { CacheScope } from './cache-scope';

/**
 * The service's calls on one key besides get and set (which stay in the service, on the
 * hot path). The `Checked` variants skip the public key check: the fleet lock reaches its
 * reserved `~lock:` keys through them.
 */
export class SingleKeyCalls {
  constructor(private readonly cache: CacheScope) {}

  async add(key: string, value: unknown, timeout?: CacheTimeout): Promise<boolean> {
    assertValidKey(key);
    return this.addChecked(key, value, timeout);
  }

  async addChecked(key: string, value: unknown, timeout?: CacheTimeout): Promise<boolean> {
    const ttlMs = timeoutToMs(timeout, this.cache.options.defaultTimeout);
    const text = this.cache.encode(value);
    if (ttlMs === 0) return false;
    const storeKey = this.cache.keyPrefix + key;
    // An add that timed out may still land when Redis answers again (a fleet lock nobody
    // holds, for its whole TTL): once Redis is back, its own value is compare-and-deleted.
    // Never the key: another process may hold it by now (a live lock).
    const repair = { ownedKey: storeKey, value: text };
    const added = await this.cache.guard.run(
      'add',
      storeKey,
      (store) => store.add(storeKey, text, ttlMs),
      false,
      undefined,
      repair,
    );
    if (added) this.cache.counters.sets++;
    return added;
  }

  async exists(key: string): Promise<boolean> {
    assertValidKey(key);
    const storeKey = this.cache.keyPrefix + key;
    return this.cache.guard.run('exists', storeKey, (store) => store.exists(storeKey), false);
  }

  async delete(key: string): Promise<boolean> {
    assertValidKey(key);
    this.cache.counters.deletes++;
    const storeKey = this.cache.keyPrefix + key;
    return this.cache.guard.run('delete', storeKey, (store) => store.delete(storeKey), false, undefined, storeKey);
  }

  async deleteIfEquals(key: string, expected: unknown): Promise<boolean> {
    assertValidKey(key);
    return this.deleteIfEqualsChecked(key, expected);
  }

  async deleteIfEqualsChecked(key: string, expected: unknown): Promise<boolean> {
    return deleteIfStoredText(this.cache, key, this.cache.encode(expected));
  }

  async incr(key: string, delta = 1): Promise<number | null> {
    assertValidKey(key);
    assertDelta(delta);
    try {
      const storeKey = this.cache.keyPrefix + key;
      return await this.cache.guard.run('incr', storeKey, (store) => store.incrBy(storeKey, delta), null);
    } catch (error) {
      if (error instanceof NotAnIntegerError) {
        throw new CacheValueError(`cannot increment key ${JSON.stringify(key)}: ${error.message}`, 'NOT_AN_INTEGER');
      }
      throw error;
    }
  }

  async touch(key: string, timeout?: CacheTimeout): Promise<boolean> {
    assertValidKey(key);
    const ttlMs = timeoutToMs(timeout, this.cache.options.defaultTimeout);
    if (ttlMs === 0) {
      const storeKey = this.cache.keyPrefix + key;
      return this.cache.guard.run('touch', storeKey, (store) => store.delete(storeKey), false, undefined, storeKey);
    }
    const storeKey = this.cache.keyPrefix + key;
    return this.cache.guard.run('touch', storeKey, (store) => store.touch(storeKey, ttlMs), false);
  }

  /** What a set with a timeout of 0 or less does: removes the entry (not counted as a delete). */
  removeExpired(key: string): Promise<boolean> {
    const storeKey = this.cache.keyPrefix + key;
    return this.cache.guard.write('delete', storeKey, (store) => store.delete(storeKey), storeKey);
  }
}

/** Deletes `key` (checked by the caller) only while it still holds exactly `text`, the stored text; counted. */
export async function deleteIfStoredText(cache: CacheScope, key: string, text: string): Promise<boolean> {
  const storeKey = cache.keyPrefix + key;
  const deleted = await cache.guard.run(
    'deleteIfEquals',
    storeKey,
    (store) => store.deleteIfEquals(storeKey, text),
    false,
  );
  if (deleted) cache.counters.deletes++;
  return deleted;
}
