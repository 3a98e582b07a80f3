import type { CacheBackendName } from './cache-options';

/** The backends that keep their data in Redis, and so take every REDIS_* setting. */
export function usesRedis(backend: CacheBackendName): boolean {
  return backend === 'redis' || backend === 'hybrid';
}
