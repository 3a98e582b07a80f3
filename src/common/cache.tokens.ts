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

/*
 * Each cache module provides its parts under these tokens, never under their class: Nest
 * answers `app.get(Class)` with the last module that provides Class, so with named caches
 * a class token would name any of them. Only the default cache adds the class tokens, as
 * aliases (like @nestjs/typeorm's default DataSource); a named cache is reached only through
 * cacheToken(name).
 */
/** This cache's CacheManagerService as the app sees it (traced when otel.enabled). */
export const CACHE_SERVICE = Symbol('IDEAGRAPH_CACHE_SERVICE');
/** This cache's CacheHealthService. */
export const CACHE_HEALTH = Symbol('IDEAGRAPH_CACHE_HEALTH');
/** This cache's CacheHealthIndicator. */
export const CACHE_HEALTH_INDICATOR = Symbol('IDEAGRAPH_CACHE_HEALTH_INDICATOR');
/** This cache's GraphTokenService. */
export const GRAPH_TOKENS = Symbol('IDEAGRAPH_GRAPH_TOKENS');
/** This cache's cache-manager `Cache` facade. */
export const CACHE_MANAGER_FACADE = Symbol('IDEAGRAPH_CACHE_MANAGER_FACADE');
