import {
  type DynamicModule,
  Inject,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  type Provider,
} from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { CacheDecoratorBinder } from '../decorators/cache-decorator.binder';
import { cacheToken, checkedCacheName, DEFAULT_CACHE_NAME } from '../common/cache-name';
import { cacheOptionsFromConfig } from '../startup/cache-options-from-config';
import { GraphTokenService } from '../graph/graph-token.service';
import type { CacheHealthOptions, IdeaGraphCacheOptions } from '../config/cache-options';
import { CacheHealthService } from '../health/cache-health.service';
import { healthMountAt } from '../health/health-mount';
import type { HealthMount } from '../health/health-mount';
import { configureCacheHealth, mountHealthEndpoint } from '../health/mount-health-endpoint';
import { CacheMetricsMiddleware } from '../metrics/cache-metrics.middleware';
import { ModuleMetricsSource } from '../metrics/cache-metrics.source';
import { configureCacheMetrics } from '../metrics/configure-cache-metrics';
import { CacheManagerService } from '../service/cache-manager.service';
import { CacheHealthIndicator } from '../terminus/cache-health.indicator';
import { CacheConnectionLifecycle } from './cache-connection.lifecycle';
import {
  CACHE_MODULE_ASYNC_OPTIONS_TYPE,
  CACHE_MODULE_OPTIONS_TYPE,
  ConfigurableCacheModule,
} from './cache.module-definition';
import { cacheProviders } from './cache.providers';
import {
  CACHE_HEALTH,
  CACHE_HEALTH_INDICATOR,
  CACHE_HEALTH_MOUNT,
  CACHE_MANAGER,
  CACHE_MANAGER_FACADE,
  CACHE_NAME,
  CACHE_OPTIONS,
  CACHE_SERVICE,
  GRAPH_TOKENS,
} from '../common/cache.tokens';

/** The class tokens, and @nestjs/cache-manager's CACHE_MANAGER, that only the default cache provides (see cache.tokens). */
const DEFAULT_ALIASES: Provider[] = [
  { provide: CacheManagerService, useExisting: CACHE_SERVICE },
  { provide: CACHE_MANAGER, useExisting: CACHE_MANAGER_FACADE },
  { provide: CacheHealthService, useExisting: CACHE_HEALTH },
  { provide: CacheHealthIndicator, useExisting: CACHE_HEALTH_INDICATOR },
  { provide: GraphTokenService, useExisting: GRAPH_TOKENS },
];
const DEFAULT_EXPORTS = [
  CacheManagerService,
  CACHE_MANAGER,
  CacheHealthService,
  CacheHealthIndicator,
  GraphTokenService,
];

/** A named cache mounts no health route unless told to: the default cache's route reports it. */
function healthOf(
  health: Partial<CacheHealthOptions> | undefined,
  name: string | undefined,
): Partial<CacheHealthOptions> | undefined {
  return name ? { enabled: false, ...health } : health;
}

/**
 * The cache's name and its token. Class tokens are added here, not in @Module: a named
 * cache must not provide CacheManagerService (or any other public class) by type, or an
 * app with two caches could not say which one it injects or gets from app.get().
 */
function withCacheName(definition: DynamicModule, name: string | undefined): DynamicModule {
  const cacheName = name ?? DEFAULT_CACHE_NAME;
  return {
    ...definition,
    providers: [
      ...(definition.providers ?? []),
      { provide: CACHE_NAME, useValue: cacheName },
      { provide: cacheToken(cacheName), useExisting: CACHE_SERVICE },
      ...(name ? [] : DEFAULT_ALIASES),
    ],
    exports: [...(definition.exports ?? []), ...(name ? [] : DEFAULT_EXPORTS), cacheToken(cacheName)],
  };
}

/**
 * IdeaGraph's cache for Nest. `forRootAsync()` with no argument reads and checks the
 * environment through ConfigService; `forRoot(options)` takes static options. Each adds
 * the health middleware itself when its endpoint is on (see mountHealthEndpoint).
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    ...cacheProviders,
    CacheConnectionLifecycle,
    CacheMetricsMiddleware,
    ModuleMetricsSource,
    CacheDecoratorBinder,
  ],
})
export class IdeaGraphCacheModule extends ConfigurableCacheModule implements NestModule {
  /** @internal */
  constructor(
    @Inject(CACHE_OPTIONS) private readonly options: IdeaGraphCacheOptions,
    @Inject(CACHE_HEALTH_MOUNT) private readonly healthMount: HealthMount,
  ) {
    super();
  }

  static override forRoot(options: typeof CACHE_MODULE_OPTIONS_TYPE = {}): DynamicModule {
    const name = checkedCacheName(options.name);
    // Static options: the environment is not read here, as for every other setting.
    return withCacheName(
      mountHealthEndpoint(super.forRoot(options), healthMountAt(healthOf(options.health, name))),
      name,
    );
  }

  static override forRootAsync(options: typeof CACHE_MODULE_ASYNC_OPTIONS_TYPE = {}): DynamicModule {
    const name = checkedCacheName(options.name);
    // The route is fixed now, before ConfigService exists: process.env is what is known
    // (with .env, once ConfigModule.forRoot() ran). Startup refuses a later disagreement.
    // A named cache's route comes from code only: the environment's is the default cache's.
    const mount = healthMountAt(healthOf(options.health, name), name ? undefined : (variable) => process.env[variable]);
    if (options.useFactory || options.useClass || options.useExisting)
      return withCacheName(mountHealthEndpoint(super.forRootAsync(options), mount), name);
    // From the environment; a named cache from the default's settings and its CACHE_<NAME>_* overrides.
    const fromEnvironment = super.forRootAsync({
      ...options,
      imports: [ConfigModule, ...(options.imports ?? [])],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => cacheOptionsFromConfig(config, name),
    });
    return withCacheName(mountHealthEndpoint(fromEnvironment, mount), name);
  }

  /**
   * Mounts the health endpoint, and the optional Prometheus endpoint (metrics.path) when
   * metrics.enabled is set. Both are middleware, which no interceptor of the app reaches.
   */
  configure(consumer: MiddlewareConsumer): void {
    configureCacheHealth(consumer, this.healthMount);
    configureCacheMetrics(consumer, this.options.metrics);
  }
}
