import { NOT_STORABLE } from '../codec/value-codec';
import { isFresh, readStoredText } from '../get-or-set/stored-entry';
import { assertValidKey } from '../keys/cache-key';
import type { CacheScope } from './cache-scope';
import { deleteIfStoredText } from './single-key-calls';

/**
 * The service's reads that look inside a stored entry (its times, its tags, its exact
 * text) rather than only at its value: ttl, and the stored-text pair the Graph token's
 * compare-and-delete uses.
 */
export class EntryReads {
  constructor(private readonly cache: CacheScope) {}

  async getWithStoredText<T>(key: string): Promise<{ value: T; text: string } | undefined> {
    assertValidKey(key);
    const storeKey = this.cache.keyPrefix + key;
    const text = await this.cache.guard.run('get', storeKey, (store) => store.get(storeKey), undefined);
    if (typeof text !== 'string') return undefined;
    const read = readStoredText<T>(text, this.cache.format);
    if (read === NOT_STORABLE || !isFresh(read.meta)) return undefined;
    if (read.meta?.tags && !(await this.cache.tagCheck.stillValid([read.meta]))[0]) return undefined;
    return { value: read.value, text };
  }

  async deleteIfStored(key: string, text: string): Promise<boolean> {
    assertValidKey(key);
    return deleteIfStoredText(this.cache, key, text);
  }

  async ttl(key: string): Promise<number | null | undefined> {
    assertValidKey(key);
    const storeKey = this.cache.keyPrefix + key;
    // Sent together (one round trip): an entry written with grace reports its logical time left.
    const [ms, text] = await Promise.all([
      this.cache.guard.run('ttl', storeKey, (store) => store.ttlMs(storeKey), undefined),
      this.cache.guard.run('ttl', storeKey, (store) => store.get(storeKey), undefined),
    ]);
    const read = typeof text === 'string' ? readStoredText(text, this.cache.format) : NOT_STORABLE;
    if (read !== NOT_STORABLE && read.meta) {
      if (read.meta.tags && !(await this.cache.tagCheck.stillValid([read.meta]))[0]) return undefined;
      const { freshUntil } = read.meta.times;
      if (freshUntil === null) return null;
      const left = freshUntil - Date.now();
      return left > 0 ? Math.ceil(left / 1000) : undefined;
    }
    if (ms === undefined || ms === null) return ms;
    return Math.ceil(ms / 1000);
  }
}
