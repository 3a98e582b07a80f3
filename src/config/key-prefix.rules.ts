import { logText } from '../common/log-text';
import { hideUserInfo } from '../common/redact-secrets';
import type { IdeaGraphCacheOptions } from './cache-options';

/**
 * A prefix with ':' makes two caches' keys meet: prefix "shop" at version 1 and prefix
 * "shop:1" at version 7 both write under "shop:1:", so a clear() of the first removes the
 * keys of the second. Refused, so every `prefix:version:` names exactly one cache. The
 * value is shown escaped, shortened and without user info: a mistyped prefix can be a
 * whole URL with a password, or a secret pasted into the wrong variable.
 */
export function keyPrefixProblems(options: IdeaGraphCacheOptions): string[] {
  if (!options.keyPrefix.includes(':')) return [];
  return [
    `CACHE_KEY_PREFIX=${logText(hideUserInfo(options.keyPrefix), 24)} (keyPrefix) is invalid: it must not contain ":", which separates the prefix from the version and the key (use "-" or "_" instead)`,
  ];
}
