import { EventEmitter } from 'node:events';
import type { KeyvStoreAdapter } from 'keyv';
import type { CacheManagerService } from '../service/cache-manager.service';

const MISS = Symbol('miss');

export interface KeyvEnvelope<Value = unknown> {
  value: Value;
  /** Epoch milliseconds; absent = never expires. */
  expires?: number;
}

/**
 * Lets cache-manager (and so @nestjs/cache-manager's CacheInterceptor) store through
 * CacheManagerService: same keys (`prefix:version:key`), same encoding, same fault
 * handling. Keyv hands over `{ value, expires }`; expiry is left to the backend, which
 * is asked for it only by getWithExpiry.
 */
export class CacheServiceKeyvAdapter extends EventEmitter implements KeyvStoreAdapter {
  readonly opts = { dialect: 'ideagraph-cache' };
  namespace?: string;

  constructor(private readonly cache: CacheManagerService) {
    super();
  }

  async get<Value>(key: string): Promise<KeyvEnvelope<Value> | undefined> {
    const value = await this.cache.get<Value | typeof MISS>(key, MISS);
    return value === MISS || value === undefined ? undefined : { value };
  }

  /**
   * The envelope with `expires`, for raw reads (cache-manager's ttl() and wrap()). The
   * service reports whole seconds rounded up, so `expires` is up to 1 s late, never early:
   * Keyv and cache-manager take Date.now() > expires to mean "gone", and an early figure
   * would call a live entry expired. If the expiry lookup fails while the value was read,
   * the value is still served, as a plain read would serve it.
   */
  async getWithExpiry<Value>(key: string): Promise<KeyvEnvelope<Value> | undefined> {
    const [value, seconds] = await Promise.all([this.cache.get<Value | typeof MISS>(key, MISS), this.cache.ttl(key)]);
    if (value === MISS || value === undefined) return undefined;
    return typeof seconds === 'number' ? { value, expires: Date.now() + seconds * 1000 } : { value };
  }

  async getMany<Value>(keys: string[]): Promise<Array<KeyvEnvelope<Value> | undefined>> {
    const found = await this.cache.getMany<Value>(keys);
    return keys.map((key) => (Object.prototype.hasOwnProperty.call(found, key) ? { value: found[key] } : undefined));
  }

  async set(key: string, envelope: KeyvEnvelope, ttlMs?: number): Promise<boolean> {
    return this.cache.set(key, envelope.value, ttlToSeconds(ttlMs));
  }

  /** One setMany (one round trip on Redis) per distinct TTL; an mset usually has just one. */
  async setMany(entries: Array<{ key: string; value: KeyvEnvelope; ttl?: number }>): Promise<void> {
    const byTtl = new Map<number | undefined, Map<string, unknown>>();
    for (const entry of entries) {
      let group = byTtl.get(entry.ttl);
      if (!group) byTtl.set(entry.ttl, (group = new Map<string, unknown>()));
      group.set(entry.key, entry.value.value);
    }
    await Promise.all([...byTtl].map(([ttlMs, group]) => this.cache.setMany(group, ttlToSeconds(ttlMs))));
  }

  async delete(key: string): Promise<boolean> {
    return this.cache.delete(key);
  }

  async deleteMany(keys: string[]): Promise<boolean> {
    return this.cache.deleteMany(keys);
  }

  async has(key: string): Promise<boolean> {
    return this.cache.exists(key);
  }

  async hasMany(keys: string[]): Promise<boolean[]> {
    return Promise.all(keys.map((key) => this.cache.exists(key)));
  }

  async clear(): Promise<void> {
    await this.cache.clear();
  }

  /** The module owns the connection and closes it at application shutdown. */
  async disconnect(): Promise<void> {}
}

/** cache-manager and Keyv speak milliseconds; CacheManagerService speaks seconds. */
function ttlToSeconds(ttlMs: number | undefined): number | undefined {
  if (ttlMs === undefined || ttlMs === null) return undefined;
  return ttlMs / 1000;
}
