/** Resolved, validated IdeaGraphCacheOptions (defaults filled in). */
export const CACHE_OPTIONS = Symbol('IDEAGRAPH_CACHE_OPTIONS');

/** The CacheManagerService as built; the app gets it through cacheServiceForApp (traced when otel.enabled). */
export const UNTRACED_CACHE_SERVICE = Symbol('IDEAGRAPH_UNTRACED_CACHE_SERVICE');

/** Where this module instance mapped its health route (a HealthMount), fixed when the module was defined. */
export const CACHE_HEALTH_MOUNT = Symbol('IDEAGRAPH_CACHE_HEALTH_MOUNT');

/**
 * The cache-manager `Cache` facade. The same string token that @nestjs/cache-manager uses,
 * so `@Inject(CACHE_MANAGER)` from either package receives this module's cache.
 */
export const CACHE_MANAGER = 'CACHE_MANAGER';

/** The name this module instance's cache is known by (`forRootAsync({ name })`; 'default' when unnamed). */
export const CACHE_NAME = Symbol('IDEAGRAPH_CACHE_NAME');
