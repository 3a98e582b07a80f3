import { type DynamicModule, Inject, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { cacheOptionsFromConfig } from '../config/cache-options-from-config';
import { GraphTokenService } from '../graph/graph-token.service';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { CacheHealthService } from '../health/cache-health.service';
import { healthMountAt } from '../health/health-mount';
import { mountHealthEndpoint } from '../health/mount-health-endpoint';
import { CacheMetricsMiddleware } from '../metrics/cache-metrics.middleware';
import { configureCacheMetrics } from '../metrics/configure-cache-metrics';
import { CacheManagerService } from '../service/cache-manager.service';
import { CacheHealthIndicator } from '../terminus/cache-health.indicator';
import { CacheConnectionLifecycle } from './cache-connection.lifecycle';
import { CACHE_MODULE_ASYNC_OPTIONS_TYPE, CACHE_MODULE_OPTIONS_TYPE, ConfigurableCacheModule } from './cache.module-definition';
import { cacheProviders } from './cache.providers';
import { CACHE_MANAGER, CACHE_OPTIONS } from './cache.tokens';

/**
 * IdeaGraph's cache for Nest. `forRootAsync()` with no argument reads and checks the
 * environment through ConfigService; `forRoot(options)` takes static options. Each adds
 * the health controller itself (see mountHealthEndpoint), so none is listed here.
 */
@Module({
  providers: [...cacheProviders, CacheHealthService, CacheConnectionLifecycle, CacheHealthIndicator, CacheMetricsMiddleware, GraphTokenService],
  exports: [CacheManagerService, CACHE_MANAGER, CacheHealthService, CacheHealthIndicator, GraphTokenService],
})
export class IdeaGraphCacheModule extends ConfigurableCacheModule implements NestModule {
  constructor(@Inject(CACHE_OPTIONS) private readonly options: IdeaGraphCacheOptions) {
    super();
  }

  static override forRoot(options: typeof CACHE_MODULE_OPTIONS_TYPE = {}): DynamicModule {
    // Static options: the environment is not read here, as for every other setting.
    return mountHealthEndpoint(super.forRoot(options), healthMountAt(options.health));
  }

  static override forRootAsync(options: typeof CACHE_MODULE_ASYNC_OPTIONS_TYPE = {}): DynamicModule {
    // The route is fixed now, before ConfigService exists: process.env is what is known
    // (with .env, once ConfigModule.forRoot() ran). Startup refuses a later disagreement.
    const mount = healthMountAt(options.health, (name) => process.env[name]);
    if (options.useFactory || options.useClass || options.useExisting) return mountHealthEndpoint(super.forRootAsync(options), mount);
    const fromEnvironment = super.forRootAsync({
      ...options,
      imports: [ConfigModule, ...(options.imports ?? [])],
      inject: [ConfigService],
      useFactory: cacheOptionsFromConfig,
    });
    return mountHealthEndpoint(fromEnvironment, mount);
  }

  /** Mounts the optional Prometheus endpoint (metrics.path) when metrics.enabled is set. */
  configure(consumer: MiddlewareConsumer): void {
    configureCacheMetrics(consumer, this.options.metrics);
  }
}
