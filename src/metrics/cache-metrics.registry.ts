import type { Registry } from 'prom-client';
import type { GraphTokenStatus } from '../graph/graph-token.types';
import type { CacheStats } from './cache-stats';
import { loadPromClient } from './load-prom-client';

type GraphTokenCounters = Pick<GraphTokenStatus, 'memoryHits' | 'cacheHits' | 'networkFetches' | 'networkFailures' | 'lockWaits'>;

export interface CacheMetricsSources {
  cacheStats: () => CacheStats;
  /** Absent when the app has no GraphTokenService. */
  graphCounters?: () => GraphTokenCounters;
}

type CountField = 'hits' | 'misses' | 'sets' | 'deletes' | 'errors' | 'timeouts' | 'shortCircuited';

const COUNTERS: ReadonlyArray<[name: string, help: string, field: CountField]> = [
  ['ideagraph_cache_hits_total', 'Cache keys found.', 'hits'],
  ['ideagraph_cache_misses_total', 'Cache keys not found, or not readable because of a backend fault.', 'misses'],
  ['ideagraph_cache_sets_total', 'Cache entries written.', 'sets'],
  ['ideagraph_cache_deletes_total', 'Cache keys deleted.', 'deletes'],
  ['ideagraph_cache_errors_total', 'Cache backend faults.', 'errors'],
  ['ideagraph_cache_timeouts_total', 'Cache calls that ran out of time.', 'timeouts'],
  ['ideagraph_cache_short_circuited_total', 'Cache calls answered with their fallback while the breaker was open.', 'shortCircuited'],
];

const GRAPH_COUNTERS: ReadonlyArray<[name: string, help: string, field: keyof GraphTokenCounters]> = [
  ['ideagraph_graph_token_memory_hits_total', 'Graph tokens served from process memory.', 'memoryHits'],
  ['ideagraph_graph_token_cache_hits_total', 'Graph tokens served from the shared cache.', 'cacheHits'],
  ['ideagraph_graph_token_network_fetches_total', 'Graph tokens fetched from Entra ID.', 'networkFetches'],
  ['ideagraph_graph_token_network_failures_total', 'Token requests to Entra ID that failed.', 'networkFailures'],
  ['ideagraph_graph_token_lock_waits_total', "Times this process waited for another process's token request.", 'lockWaits'],
];

const QUANTILES: ReadonlyArray<[quantile: string, field: 'p50' | 'p90' | 'p99']> = [
  ['0.5', 'p50'],
  ['0.9', 'p90'],
  ['0.99', 'p99'],
];

/**
 * A registry of its own (not prom-client's global one), so two apps in one process, or an
 * app with its own metrics, never clash on a metric name. Every value is read at scrape
 * time from the counters the service keeps anyway: the hot path does no extra work.
 */
export function createCacheMetricsRegistry(sources: CacheMetricsSources): Registry {
  const prom = loadPromClient();
  const registry = new prom.Registry();
  const stats = scrapeOnce(sources.cacheStats);

  for (const [name, help, field] of COUNTERS) {
    new prom.Counter({
      name,
      help,
      labelNames: ['backend'],
      registers: [registry],
      collect() {
        const current = stats();
        this.reset();
        this.inc({ backend: current.backend }, current[field]);
      },
    });
  }

  new prom.Gauge({
    name: 'ideagraph_cache_breaker_state',
    help: 'Circuit breaker state of the cache backend: 1 for the current state, 0 for the others.',
    labelNames: ['backend', 'state'],
    registers: [registry],
    collect() {
      const current = stats();
      for (const state of ['closed', 'open', 'half-open']) {
        this.set({ backend: current.backend, state }, current.breakerState === state ? 1 : 0);
      }
    },
  });

  new prom.Counter({
    name: 'ideagraph_cache_operations_total',
    help: 'Cache calls per operation.',
    labelNames: ['backend', 'operation'],
    registers: [registry],
    collect() {
      const current = stats();
      this.reset();
      for (const [operation, summary] of Object.entries(current.latency)) {
        this.inc({ backend: current.backend, operation }, summary.count);
      }
    },
  });

  // Quantiles from this process only (they cannot be averaged across instances); the
  // histogram behind them keeps every call since startup at about 3 % resolution.
  new prom.Gauge({
    name: 'ideagraph_cache_operation_duration_seconds',
    help: 'Cache call latency per operation as the caller sees it, quantiles since startup.',
    labelNames: ['backend', 'operation', 'quantile'],
    registers: [registry],
    collect() {
      const current = stats();
      this.reset();
      for (const [operation, summary] of Object.entries(current.latency)) {
        for (const [quantile, field] of QUANTILES) {
          this.set({ backend: current.backend, operation, quantile }, summary[field] / 1000);
        }
      }
    },
  });

  const graphCounters = sources.graphCounters;
  if (graphCounters) {
    for (const [name, help, field] of GRAPH_COUNTERS) {
      new prom.Counter({
        name,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(graphCounters()[field]);
        },
      });
    }
  }
  return registry;
}

/** One getStats() per scrape, shared by all metrics collected in the same tick. */
function scrapeOnce(read: () => CacheStats): () => CacheStats {
  let cached: CacheStats | undefined;
  return () => {
    if (!cached) {
      cached = read();
      queueMicrotask(() => (cached = undefined));
    }
    return cached;
  };
}
