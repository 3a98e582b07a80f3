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
}

export const {
  ConfigurableModuleClass: ConfigurableCacheModule,
  MODULE_OPTIONS_TOKEN: CACHE_MODULE_OPTIONS,
  OPTIONS_TYPE: CACHE_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: CACHE_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<IdeaGraphCacheModuleOptions>({ moduleName: 'IdeaGraphCache' })
  .setClassMethodName('forRoot')
  // IdeaGraphCacheModule.forRoot / forRootAsync mount the health endpoint from `health`.
  .setExtras<IdeaGraphCacheModuleExtras>({ isGlobal: false, health: undefined }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();
