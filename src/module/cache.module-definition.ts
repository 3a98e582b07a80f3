import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { CacheHealthOptions, IdeaGraphCacheModuleOptions } from '../config/cache-options';

/** What forRoot and forRootAsync take beside the cache options: they shape the module definition itself. */
export interface IdeaGraphCacheModuleExtras {
  isGlobal: boolean;
  /**
   * The health endpoint. Given here (not in a useFactory result) because Nest fixes the
   * routes before any factory runs; wins over CACHE_HEALTH_* from the environment.
   */
  health?: Partial<CacheHealthOptions>;
  /**
   * A named cache, beside the default one: injected with `@InjectCache(name)`, used by
   * `@Cacheable({ cache: name })`. `forRootAsync({ name })` without a factory takes the
   * default cache's environment, each setting overridden by its CACHE_<NAME>_* variable
   * (`cacheOptionsFromConfig(config, name)` is the same for a useFactory to spread). It mounts
   * no health route of its own unless `health` says so; the default cache's /health/cache reports it.
   */
  name?: string;
}

export const {
  ConfigurableModuleClass: ConfigurableCacheModule,
  MODULE_OPTIONS_TOKEN: CACHE_MODULE_OPTIONS,
  OPTIONS_TYPE: CACHE_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CACHE_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<IdeaGraphCacheModuleOptions>({ moduleName: 'IdeaGraphCache' })
  .setClassMethodName('forRoot')
  // IdeaGraphCacheModule.forRoot / forRootAsync mount the health endpoint from `health`.
  .setExtras<IdeaGraphCacheModuleExtras>(
    { isGlobal: false, health: undefined, name: undefined },
    (definition, extras) => ({ ...definition, global: extras.isGlobal }),
  )
  .build();
