import type { DynamicModule, Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService } from '@nestjs/core';
import { CacheConfigError } from '../config/cache-config.error';
import { CACHE_HEALTH_MOUNT } from '../module/cache.tokens';
import { createCacheHealthController, HEALTH_ROUTE_PATH } from './cache-health.controller';
import type { HealthMount } from './health-mount';

const SINGLE_ROUTE_CHECK = Symbol('ideagraph-cache:single-health-route');

/** Adds the health controller to a forRoot / forRootAsync definition, or nothing when it is disabled. */
export function mountHealthEndpoint(definition: DynamicModule, mount: HealthMount): DynamicModule {
  const providers: Provider[] = [...(definition.providers ?? []), { provide: CACHE_HEALTH_MOUNT, useValue: mount }];
  if (!mount.enabled) return { ...definition, providers };
  return {
    ...definition,
    imports: [...(definition.imports ?? []), DiscoveryModule],
    controllers: [createCacheHealthController(mount.path)],
    providers: [
      ...providers,
      { provide: SINGLE_ROUTE_CHECK, inject: [DiscoveryService], useFactory: (discovery: DiscoveryService) => assertSingleRoute(discovery, mount.path) },
    ],
  };
}

/**
 * Each import of the module is its own instance, with its own backend. Two at one path
 * would map the route twice and only the first would answer, reporting on one backend
 * while the other might be down, so startup stops instead of choosing silently.
 */
function assertSingleRoute(discovery: DiscoveryService, path: string): true {
  const mountedAt = (metatype: unknown): unknown => (metatype ? Reflect.getMetadata(HEALTH_ROUTE_PATH, metatype as object) : undefined);
  // Express matches routes case-insensitively by default.
  const same = discovery.getControllers().filter((wrapper) => {
    const other = mountedAt(wrapper.metatype);
    return typeof other === 'string' && other.toLowerCase() === path.toLowerCase();
  });
  if (same.length <= 1) return true;
  throw new CacheConfigError([
    `health.path (CACHE_HEALTH_PATH)=${JSON.stringify(path)} is mounted by ${same.length} imports of IdeaGraphCacheModule in one app, ` +
      'and only one of them could answer: import the module once (isGlobal: true shares it with every module), ' +
      'or pass health: { enabled: false } or another health.path to every other forRoot / forRootAsync',
  ]);
}
