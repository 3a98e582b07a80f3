import type { ConfigService } from '@nestjs/config';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { parseNamedCacheEnv } from './named-cache-env';
import { parseCacheEnv } from './cache-options';

/**
 * The options the environment describes, checked. Spread the result in a `useFactory`
 * to override a field while keeping everything else from the environment. With `name`, the
 * options of that named cache: the default's settings, each overridden by its
 * CACHE_<NAME>_* variable (docs/named-caches.md).
 */
export function cacheOptionsFromConfig(config: ConfigService, name?: string): IdeaGraphCacheOptions {
  const read = (variable: string) => config.get<unknown>(variable);
  return name === undefined ? parseCacheEnv(read) : parseNamedCacheEnv(name, read);
}
