import { Inject, Injectable } from '@nestjs/common';
import type { GraphTokenService } from '../graph/graph-token.service';
import { DEFAULT_CACHE_NAME } from '../common/cache-name';
import { CACHE_NAME, CACHE_SERVICE, GRAPH_TOKENS } from '../common/cache.tokens';
import { GuardedStore } from '../resilience/guarded-store';
import type { CacheManagerService } from '../service/cache-manager.service';
import type { CacheStats } from '../service/cache-stats';
import type { CacheMetricsSource } from './cache-metrics.registry';
import type { OperationLatencies } from '../resilience/operation-latencies';
import type { GraphTokenCounters } from './stat-counters';

/**
 * What one cache module gives the metrics endpoint. Each module has one, whether or not it
 * mounts the endpoint: the endpoint finds them all, so one scrape shows every cache of the app.
 */
@Injectable()
export class ModuleMetricsSource implements CacheMetricsSource {
  readonly latencies: OperationLatencies;
  /** Only the default cache's GraphTokenService can be injected, so only its counters are published. */
  readonly graphCounters?: () => GraphTokenCounters;

  constructor(
    @Inject(CACHE_NAME) readonly cacheName: string,
    @Inject(CACHE_SERVICE) private readonly cache: CacheManagerService,
    guard: GuardedStore,
    @Inject(GRAPH_TOKENS) graph: GraphTokenService,
  ) {
    this.latencies = guard.latencies;
    if (cacheName === DEFAULT_CACHE_NAME) this.graphCounters = () => graph.status;
  }

  cacheStats(): CacheStats {
    return this.cache.getStats();
  }
}
