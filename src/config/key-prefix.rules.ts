import type { IdeaGraphCacheOptions } from './cache-options';

/**
 * A prefix with ':' makes two caches' keys meet: prefix "shop" at version 1 and prefix
 * "shop:1" at version 7 both write under "shop:1:", so a clear() of the first removes the
 * keys of the second. Refused, so every `prefix:version:` names exactly one cache.
 */
export function keyPrefixProblems(options: IdeaGraphCacheOptions): string[] {
  if (!options.keyPrefix.includes(':')) return [];
  return [
    `CACHE_KEY_PREFIX=${JSON.stringify(options.keyPrefix)} (keyPrefix) is invalid: it must not contain ":", which separates the prefix from the version and the key (use "-" or "_" instead)`,
  ];
}
