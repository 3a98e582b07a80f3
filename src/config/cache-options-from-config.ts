import type { ConfigService } from '@nestjs/config';
import type { IdeaGraphCacheOptions } from './cache-options';
import { parseCacheEnv } from './resolve-cache-options';

/**
 * The options the environment describes, checked. Spread the result in a `useFactory`
 * to override a field while keeping everything else from the environment.
 */
export function cacheOptionsFromConfig(config: ConfigService): IdeaGraphCacheOptions {
  return parseCacheEnv((name) => config.get<unknown>(name));
}
