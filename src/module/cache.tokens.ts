/** Resolved, validated IdeaGraphCacheOptions (defaults filled in). */
export const CACHE_OPTIONS = Symbol('IDEAGRAPH_CACHE_OPTIONS');

/**
 * The cache-manager `Cache` facade. The same string token that @nestjs/cache-manager uses,
 * so `@Inject(CACHE_MANAGER)` from either package receives this module's cache.
 */
export const CACHE_MANAGER = 'CACHE_MANAGER';
