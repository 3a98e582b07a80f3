import type { Registry } from 'prom-client';
import type { CacheStats } from './cache-stats';
import { loadPromClient } from './load-prom-client';
import { BREAKER_STATES, CACHE_COUNTERS, GRAPH_COUNTERS, TIER_COUNTERS, TIER_GAUGES, type GraphTokenCounters } from './stat-counters';

export interface CacheMetricsSources {
  cacheStats: () => CacheStats;
  /** Absent when the app has no GraphTokenService. */
  graphCounters?: () => GraphTokenCounters;
}

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

  for (const { name, help, read } of CACHE_COUNTERS) {
    new prom.Counter({
      name: `ideagraph_cache_${name}_total`,
      help,
      labelNames: ['backend'],
      registers: [registry],
      collect() {
        const current = stats();
        this.reset();
        this.inc({ backend: current.backend }, read(current));
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
      for (const state of BREAKER_STATES) {
        this.set({ backend: current.backend, state }, current.breakerState === state ? 1 : 0);
      }
    },
  });

  new prom.Gauge({
    name: 'ideagraph_cache_recovery_pending',
    help: 'Keys and clears whose failed writes wait for the backend, to be deleted once it answers.',
    labelNames: ['backend'],
    registers: [registry],
    collect() {
      const current = stats();
      this.set({ backend: current.backend }, current.recovery.pending);
    },
  });

  if (stats().tiers) registerTierMetrics(prom, registry, stats);

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
    for (const { name, help, read } of GRAPH_COUNTERS) {
      new prom.Counter({
        name: `ideagraph_graph_token_${name}_total`,
        help,
        registers: [registry],
        collect() {
          this.reset();
          this.inc(read(graphCounters()));
        },
      });
    }
  }
  return registry;
}

function registerTierMetrics(prom: ReturnType<typeof loadPromClient>, registry: Registry, stats: () => CacheStats): void {
  for (const { name, help, read } of TIER_COUNTERS) {
    new prom.Counter({
      name: `ideagraph_cache_${name}_total`,
      help,
      labelNames: ['backend'],
      registers: [registry],
      collect() {
        const current = stats();
        this.reset();
        if (current.tiers) this.inc({ backend: current.backend }, read(current.tiers));
      },
    });
  }
  for (const { name, help, read } of TIER_GAUGES) {
    new prom.Gauge({
      name: `ideagraph_cache_${name}`,
      help,
      labelNames: ['backend'],
      registers: [registry],
      collect() {
        const current = stats();
        if (current.tiers) this.set({ backend: current.backend }, read(current.tiers));
      },
    });
  }
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
