import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import type { GraphTokenService } from '../graph/graph-token.service';
import { CACHE_NAME, CACHE_OPTIONS, GRAPH_TOKENS, UNTRACED_CACHE_SERVICE } from '../common/cache.tokens';
import { GuardedStore } from '../resilience/guarded-store';
import type { CacheManagerService } from '../service/cache-manager.service';
import { registerCacheInstruments } from './cache-instruments';
import { CacheTracing } from './cache-tracing';
import { loadOtelApi } from './load-otel-api';
import { ATTR_BACKEND, ATTR_NAME, SCOPE_NAME, SCOPE_VERSION } from './otel-names';
import { traceCacheService } from './traced-cache-service';

/** The CacheManagerService the app gets: the service itself, or with otel.enabled its traced view. */
export function cacheServiceForApp(
  service: CacheManagerService,
  options: IdeaGraphCacheOptions,
  name: string,
): CacheManagerService {
  if (!options.otel.enabled) return service;
  const cache = { [ATTR_BACKEND]: options.backend, [ATTR_NAME]: name };
  return traceCacheService(service, new CacheTracing(loadOtelApi(), cache, options.otel.includeKeys));
}

/**
 * The cache's OpenTelemetry metrics, registered on the global MeterProvider at startup when
 * otel.enabled is set, and removed at shutdown, so a closed app is no longer observed.
 * The SDK must be started before the Nest app is created: a meter taken before a
 * MeterProvider is registered stays a no-op.
 */
@Injectable()
export class CacheTelemetry implements OnApplicationShutdown {
  private readonly unregister: (() => void) | undefined;

  constructor(
    @Inject(CACHE_OPTIONS) options: IdeaGraphCacheOptions,
    @Inject(CACHE_NAME) name: string,
    @Inject(UNTRACED_CACHE_SERVICE) cache: CacheManagerService,
    guard: GuardedStore,
    @Inject(GRAPH_TOKENS) graph: GraphTokenService,
  ) {
    if (!options.otel.enabled) return;
    const meter = loadOtelApi().metrics.getMeter(SCOPE_NAME, SCOPE_VERSION);
    this.unregister = registerCacheInstruments(meter, {
      name,
      cacheStats: () => cache.getStats(),
      graphCounters: () => graph.status,
      latencies: guard.latencies,
    });
  }

  onApplicationShutdown(): void {
    this.unregister?.();
  }
}
