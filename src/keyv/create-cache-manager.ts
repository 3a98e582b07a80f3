import { type Cache, createCache } from 'cache-manager';
import type { CacheManagerService } from '../service/cache-manager.service';
import { CacheServiceKeyv } from './cache-service.keyv';
import { CacheServiceKeyvAdapter } from './cache-service.keyv-adapter';

/** The cache-manager `Cache` provided under CACHE_MANAGER, backed by CacheManagerService. */
export function createCacheManager(service: CacheManagerService): Cache {
  return createCache({ stores: [new CacheServiceKeyv(new CacheServiceKeyvAdapter(service))] });
}
