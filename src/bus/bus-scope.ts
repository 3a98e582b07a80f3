import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { makeKeyPrefix } from '../keys/cache-key';
import type { BusScope } from './invalidation-bus';

/** The bus scope of a cache: its prefix and version name the channel. */
export function busScopeOf(options: IdeaGraphCacheOptions): BusScope {
  return {
    keyPrefix: options.keyPrefix,
    version: options.version,
    scopePrefix: makeKeyPrefix(options.keyPrefix, options.version),
  };
}
