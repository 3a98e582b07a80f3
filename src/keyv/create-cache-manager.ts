import { type Cache, createCache } from 'cache-manager';
import { Keyv } from 'keyv';
import type { CacheManagerService } from '../service/cache-manager.service';
import { CacheServiceKeyvAdapter } from './cache-service.keyv-adapter';

/** The cache-manager `Cache` provided under CACHE_MANAGER, backed by CacheManagerService. */
export function createCacheManager(service: CacheManagerService): Cache {
  const keyv = new Keyv({
    store: new CacheServiceKeyvAdapter(service),
    // Keys are formatted (prefix:version:key) and values encoded by the service, not by Keyv.
    namespace: undefined,
    useKeyPrefix: false,
    serialize: undefined,
    deserialize: undefined,
  });
  return createCache({ stores: [keyv] });
}
