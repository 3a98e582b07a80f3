import { type DynamicModule, type MiddlewareConsumer, type Provider, RequestMethod } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { CacheConfigError } from '../config/cache-config.error';
import { CACHE_HEALTH_MOUNT } from '../common/cache.tokens';
import { CacheHealthMiddleware } from './cache-health.middleware';
import type { HealthMount } from './health-mount';

const SINGLE_ROUTE_CHECK = Symbol('ideagraph-cache:single-health-route');

/** Records where a forRoot / forRootAsync definition serves its health endpoint, if at all. */
export function mountHealthEndpoint(definition: DynamicModule, mount: HealthMount): DynamicModule {
  const providers: Provider[] = [...(definition.providers ?? []), { provide: CACHE_HEALTH_MOUNT, useValue: mount }];
  if (!mount.enabled) return { ...definition, providers };
  return {
    ...definition,
    imports: [...(definition.imports ?? []), DiscoveryModule],
    providers: [
      ...providers,
      CacheHealthMiddleware,
      {
        provide: SINGLE_ROUTE_CHECK,
        inject: [DiscoveryService],
        useFactory: (discovery: DiscoveryService) => assertSingleRoute(discovery, mount.path),
      },
    ],
  };
}

/** Serves the health endpoint at its mounted path, from the module's configure(). */
export function configureCacheHealth(consumer: MiddlewareConsumer, mount: HealthMount): void {
  if (!mount.enabled) return;
  consumer.apply(CacheHealthMiddleware).forRoutes({ path: mount.path, method: RequestMethod.GET });
}

/**
 * Each import of the module is its own instance, with its own backend. Two at one path
 * would both be mounted and only the first would answer, reporting on one backend while
 * the other might be down, so startup stops instead of choosing silently.
 */
function assertSingleRoute(discovery: DiscoveryService, path: string): true {
  // Express matches routes case-insensitively by default.
  const same = discovery.getProviders().filter((wrapper) => {
    const other = wrapper.token === CACHE_HEALTH_MOUNT ? (wrapper.instance as HealthMount | undefined) : undefined;
    return other?.enabled === true && other.path.toLowerCase() === path.toLowerCase();
  });
  if (same.length <= 1) return true;
  throw new CacheConfigError([
    `health.path (CACHE_HEALTH_PATH)=${JSON.stringify(path)} is mounted by ${same.length} imports of IdeaGraphCacheModule in one app, ` +
      'and only one of them could answer: import the module once (isGlobal: true shares it with every module), ' +
      'or pass health: { enabled: false } or another health.path to every other forRoot / forRootAsync',
  ]);
}
