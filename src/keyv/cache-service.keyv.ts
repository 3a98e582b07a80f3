/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-return -- these methods override Keyv's, whose signatures use `any` */
import { Keyv, type StoredDataNoRaw, type StoredDataRaw } from 'keyv';
import type { CacheServiceKeyvAdapter } from './cache-service.keyv-adapter';

type GetOptions = { raw?: boolean };

/**
 * Keyv over CacheServiceKeyvAdapter whose raw reads report when the entry expires.
 * cache-manager's ttl() and wrap() (refreshThreshold, raw: true) read `expires` from a raw
 * read, but Keyv asks its store the same get() for plain and raw reads. Looking the expiry
 * up on every read would double the backend calls of CacheInterceptor's hot path, so raw
 * reads go to the adapter's getWithExpiry and plain reads stay one call. Raw reads skip
 * Keyv's get hooks and stats; this Keyv is internal to the module and uses neither.
 */
export class CacheServiceKeyv extends Keyv {
  constructor(private readonly adapter: CacheServiceKeyvAdapter) {
    super({
      store: adapter,
      // Keys are formatted (prefix:version:key) and values encoded by the service, not by Keyv.
      namespace: undefined,
      useKeyPrefix: false,
      serialize: undefined,
      deserialize: undefined,
      // The adapter throws only for caller mistakes (CacheKeyError, CacheValueError); backend
      // faults already became fallbacks in the service. Keyv would otherwise swallow them,
      // and set() of an unstorable value would resolve as if it had been stored.
      throwOnErrors: true,
    });
  }

  override get<Value = any>(key: string, options?: { raw: false }): Promise<StoredDataNoRaw<Value>>;
  override get<Value = any>(key: string, options?: { raw: true }): Promise<StoredDataRaw<Value>>;
  override get<Value = any>(key: string[], options?: { raw: false }): Promise<Array<StoredDataNoRaw<Value>>>;
  override get<Value = any>(key: string[], options?: { raw: true }): Promise<Array<StoredDataRaw<Value>>>;
  override get(key: string | string[], options?: GetOptions): Promise<unknown> {
    if (options?.raw !== true) return super.get(key as string, options as { raw: false });
    return Array.isArray(key) ? this.getManyRaw(key) : this.getRaw(key);
  }

  override getMany<Value = any>(keys: string[], options?: { raw: false }): Promise<Array<StoredDataNoRaw<Value>>>;
  override getMany<Value = any>(keys: string[], options?: { raw: true }): Promise<Array<StoredDataRaw<Value>>>;
  override getMany(keys: string[], options?: GetOptions): Promise<unknown> {
    return options?.raw === true ? this.getManyRaw(keys) : super.getMany(keys, options as { raw: false });
  }

  override getRaw<Value = any>(key: string): Promise<StoredDataRaw<Value> | undefined> {
    return this.adapter.getWithExpiry<Value>(key);
  }

  override getManyRaw<Value = any>(keys: string[]): Promise<Array<StoredDataRaw<Value>>> {
    return Promise.all(keys.map((key) => this.adapter.getWithExpiry<Value>(key)));
  }
}
