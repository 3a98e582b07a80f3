import { Inject } from '@nestjs/common';
import { CacheConfigError } from '../config/cache-config.error';

/** The name of the cache imported without a name. */
export const DEFAULT_CACHE_NAME = 'default';

const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

/**
 * The logger context of a cache's lines: `IdeaGraphCache:<name>`, so the lines of two caches
 * on one server (the same fault seen by both) say which cache they come from.
 */
export function cacheLogContext(name: string = DEFAULT_CACHE_NAME): string {
  return `IdeaGraphCache:${name}`;
}

/** The injection token of a cache's CacheManagerService. */
export function cacheToken(name: string = DEFAULT_CACHE_NAME): string {
  return `IdeaGraphCache:${name}`;
}

/**
 * Injects the CacheManagerService of a named cache (`IdeaGraphCacheModule.forRootAsync({ name })`);
 * without a name, the default cache (the same one injecting CacheManagerService by type gives).
 */
export function InjectCache(name?: string): PropertyDecorator & ParameterDecorator {
  return Inject(cacheToken(name));
}

/** The name given to forRoot / forRootAsync, checked: letters, digits, '-' and '_', starting with a letter. */
export function checkedCacheName(name: unknown): string | undefined {
  if (name === undefined) return undefined;
  if (typeof name !== 'string' || !NAME.test(name) || name === DEFAULT_CACHE_NAME) {
    throw new CacheConfigError([
      `name=${JSON.stringify(name)} is invalid: expected a name of letters, digits, '-' and '_' that starts with a letter (at most 64), other than "${DEFAULT_CACHE_NAME}" (leave the name out for the default cache)`,
    ]);
  }
  return name;
}
