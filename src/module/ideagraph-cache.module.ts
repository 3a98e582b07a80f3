import { type DynamicModule, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { cacheOptionsFromConfig } from '../config/cache-options-from-config';
import { CacheHealthController } from '../health/cache-health.controller';
import { CacheHealthService } from '../health/cache-health.service';
import { CacheManagerService } from '../service/cache-manager.service';
import { CacheConnectionLifecycle } from './cache-connection.lifecycle';
import { CACHE_MODULE_ASYNC_OPTIONS_TYPE, ConfigurableCacheModule } from './cache.module-definition';
import { cacheProviders } from './cache.providers';
import { CACHE_MANAGER } from './cache.tokens';

/**
 * IdeaGraph's cache for Nest. `forRootAsync()` with no argument reads and checks the
 * environment through ConfigService; `forRoot(options)` takes static options.
 */
@Module({
  controllers: [CacheHealthController],
  providers: [...cacheProviders, CacheHealthService, CacheConnectionLifecycle],
  exports: [CacheManagerService, CACHE_MANAGER, CacheHealthService],
})
export class IdeaGraphCacheModule extends ConfigurableCacheModule {
  static override forRootAsync(options: typeof CACHE_MODULE_ASYNC_OPTIONS_TYPE = {}): DynamicModule {
    if (options.useFactory || options.useClass || options.useExisting) return super.forRootAsync(options);
    return super.forRootAsync({
      ...options,
      imports: [ConfigModule, ...(options.imports ?? [])],
      inject: [ConfigService],
      useFactory: cacheOptionsFromConfig,
    });
  }
}
