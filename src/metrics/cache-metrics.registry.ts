import type { Registry } from 'prom-client';
import type { GraphTokenStatus } from '../graph/graph-token.types';
import type { CacheStats, TierStats } from './cache-stats';
import { loadPromClient } from './load-prom-client';

type GraphTokenCounters = Pick<GraphTokenStatus, 'memoryHits' | 'cacheHits' | 'networkFetches' | 'networkFailures' | 'lockWaits'>;

export interface CacheMetricsSources {
  cacheStats: () => CacheStats;
  /** Absent when the app has no GraphTokenService. */
  graphCounters?: () => GraphTokenCounters;
}

const COUNTERS: ReadonlyArray<[name: string, help: string, read: (stats: CacheStats) => number]> = [
  ['ideagraph_cache_hits_total', 'Cache keys found.', (s) => s.hits],
  ['ideagraph_cache_misses_total', 'Cache keys not found, or not readable because of a backend fault.', (s) => s.misses],
  ['ideagraph_cache_sets_total', 'Cache entries written.', (s) => s.sets],
  ['ideagraph_cache_deletes_total', 'Cache keys deleted.', (s) => s.deletes],
  ['ideagraph_cache_errors_total', 'Cache backend faults.', (s) => s.errors],
  ['ideagraph_cache_timeouts_total', 'Cache calls that ran out of time.', (s) => s.timeouts],
  ['ideagraph_cache_short_circuited_total', 'Cache calls answered with their fallback while the breaker was open.', (s) => s.shortCircuited],
  ['ideagraph_cache_recovery_queued_total', 'Keys (and clears) remembered because a write did not reach the backend.', (s) => s.recovery.queued],
  ['ideagraph_cache_recovery_made_good_total', 'Remembered keys deleted, and clears carried out, once the backend answered again.', (s) => s.recovery.madeGood],
  ['ideagraph_cache_recovery_overflowed_total', 'Times the recovery queue was full and fell back to clearing the whole cache scope.', (s) => s.recovery.overflowed],
  ['ideagraph_cache_stale_if_error_total', "Reads answered from the process's L1 because Redis failed.", (s) => s.staleIfError],
  ['ideagraph_cache_factory_calls_total', 'getOrSet factory calls started in this process.', (s) => s.getOrSet.factoryCalls],
  ['ideagraph_cache_factory_errors_total', 'getOrSet factory calls that failed.', (s) => s.getOrSet.factoryErrors],
  ['ideagraph_cache_stale_serves_total', 'getOrSet computations answered with a stale value (fail-safe, soft timeout, or another process computing).', (s) => s.getOrSet.staleServes],
  ['ideagraph_cache_factory_soft_timeouts_total', 'getOrSet calls answered with a stale value at their soft timeout.', (s) => s.getOrSet.softTimeouts],
  ['ideagraph_cache_factory_hard_timeouts_total', 'getOrSet calls rejected with CacheFactoryTimeoutError.', (s) => s.getOrSet.hardTimeouts],
  ['ideagraph_cache_background_refreshes_total', 'Refresh-ahead factory calls started in the background.', (s) => s.getOrSet.backgroundRefreshes],
  ['ideagraph_cache_fleet_lock_waits_total', "Times this process waited for another process's factory call.", (s) => s.getOrSet.fleetLockWaits],
];

/** Registered on the hybrid backend only. */
const TIER_COUNTERS: ReadonlyArray<[name: string, help: string, read: (tiers: TierStats) => number]> = [
  ['ideagraph_cache_l1_hits_total', "Reads answered from the process's L1, with no I/O.", (t) => t.l1Hits],
  ['ideagraph_cache_l2_hits_total', 'Keys read from Redis and found.', (t) => t.l2Hits],
  ['ideagraph_cache_bus_published_total', 'Invalidation messages sent on the bus.', (t) => t.bus.published],
  ['ideagraph_cache_bus_received_total', 'Invalidation messages received from the bus.', (t) => t.bus.received],
  ['ideagraph_cache_bus_dropped_total', 'Received bus messages that were not readable and were ignored.', (t) => t.bus.dropped],
  ['ideagraph_cache_bus_publish_failures_total', 'Bus publishes that failed (their keys are sent again).', (t) => t.bus.publishFailures],
  ['ideagraph_cache_bus_outages_total', 'Times the bus was lost (a closed or silent subscription).', (t) => t.bus.outages],
];

const TIER_GAUGES: ReadonlyArray<[name: string, help: string, read: (tiers: TierStats) => number]> = [
  ['ideagraph_cache_bus_live', 'Whether this process hears the invalidation bus (1), and so serves L1, or not (0).', (t) => (t.bus.live ? 1 : 0)],
  ['ideagraph_cache_l1_entries', "Entries in this process's L1.", (t) => t.l1Entries],
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

  for (const [name, help, read] of COUNTERS) {
    new prom.Counter({
      name,
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
      for (const state of ['closed', 'open', 'half-open']) {
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

function registerTierMetrics(prom: ReturnType<typeof loadPromClient>, registry: Registry, stats: () => CacheStats): void {
  for (const [name, help, read] of TIER_COUNTERS) {
    new prom.Counter({
      name,
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
  for (const [name, help, read] of TIER_GAUGES) {
    new prom.Gauge({
      name,
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
