import { setOwn } from '../codec/value-codec';
import { CacheValueError } from '../errors/cache.errors';
import { getOrSetMany, type ManyFactory } from '../get-or-set/get-or-set-many';
import type { GetOrSetOptions } from '../get-or-set/get-or-set-options';
import { assertValidKey } from '../keys/cache-key';
import { timeoutToMs, type CacheTimeout } from '../keys/cache-timeout';
import type { WriteOptions } from './cache-call.types';
import type { CacheScope } from './cache-scope';

/**
 * The service's calls on many keys at once, each one round trip on Redis. Apart from the
 * service so the single-key hot path reads on its own; the service's methods hand over here.
 */
export class CacheBatch {
  constructor(private readonly cache: CacheScope) {}

  async getMany<T>(keys: string[]): Promise<Record<string, T>> {
    const unique = validKeys(keys);
    const result: Record<string, T> = {};
    if (unique.length === 0) return result;
    const found = await this.cache.entries.readEntries<T>(unique);
    for (const key of unique) {
      const entry = found.get(key);
      if (entry?.fresh) setOwn(result, key, entry.value);
    }
    return result;
  }

  async setMany(
    entries: Record<string, unknown> | Map<string, unknown>,
    timeout?: CacheTimeout,
    options?: WriteOptions,
  ): Promise<boolean> {
    const { cache } = this;
    const pairs = entries instanceof Map ? [...entries] : Object.entries(entries ?? {});
    const ttlMs = timeoutToMs(timeout, cache.options.defaultTimeout);
    if (options?.tags?.length && pairs.length > 0) {
      for (const [key] of pairs) assertValidKey(key);
      return cache.entries.writeEntries(pairs, timeout, undefined, options.tags);
    }
    // Validate and encode everything first: one bad entry must not leave the others half-written.
    const encoded: [string, string][] = pairs.map(([key, value]) => {
      assertValidKey(key);
      return [cache.keyPrefix + key, cache.encode(value)];
    });
    if (encoded.length === 0) return true;
    if (ttlMs === 0) return this.deleteMany(pairs.map(([key]) => key));
    cache.counters.sets += encoded.length;
    const storeKeys = encoded.map(([storeKey]) => storeKey);
    return cache.guard.write(
      'setMany',
      storeKeys,
      (store) => store.setMany(encoded, ttlMs),
      storeKeys,
      cache.guard.batchBoundMs(encoded.length),
    );
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    const { cache } = this;
    const unique = validKeys(keys);
    if (unique.length === 0) return true;
    cache.counters.deletes += unique.length;
    const storeKeys = unique.map((key) => cache.keyPrefix + key);
    return cache.guard.write(
      'deleteMany',
      storeKeys,
      (store) => store.deleteMany(storeKeys),
      storeKeys,
      cache.guard.batchBoundMs(storeKeys.length),
    );
  }

  async getOrSetMany<T>(
    keys: string[],
    factory: ManyFactory<T>,
    timeout?: CacheTimeout,
    options?: GetOrSetOptions,
  ): Promise<Record<string, T>> {
    const { cache } = this;
    const unique = validKeys(keys);
    timeoutToMs(timeout, cache.options.defaultTimeout);
    if (unique.length === 0) return {};
    return getOrSetMany(cache.flow, cache.entries, cache.options.getOrSet, unique, factory, timeout, options);
  }
}

function validKeys(keys: string[]): string[] {
  if (!Array.isArray(keys)) throw new CacheValueError('keys must be an array of strings', 'UNSUPPORTED_TYPE');
  for (const key of keys) assertValidKey(key);
  return [...new Set(keys)];
}
