import type { Registry } from 'prom-client';
import type { CacheStats } from '../service/cache-stats';
import { registerDurationHistogram } from './duration-histogram.metric';
import { loadPromClient } from './load-prom-client';
import type { OperationLatencies } from '../resilience/operation-latencies';
import {
  BREAKER_STATES,
  CACHE_COUNTERS,
  GRAPH_COUNTERS,
  TIER_COUNTERS,
  TIER_GAUGES,
  type GraphTokenCounters,
} from './stat-counters';

/** One cache of the app, as the metrics endpoint reads it. */
export interface CacheMetricsSource {
  /** The cache's name ('default' for the unnamed one): the `cache` label of every series. */
  readonly cacheName: string;
  cacheStats(): CacheStats;
  readonly latencies: OperationLatencies;
  /** Absent when the cache has no GraphTokenService. */
  graphCounters?(): GraphTokenCounters;
}

type PromClient = ReturnType<typeof loadPromClient>;

/** One scrape's view of one cache: its stats read once, shared by every metric of the scrape. */
interface Scraped {
  cache: string;
  stats: CacheStats;
  source: CacheMetricsSource;
}

/**
 * A registry of its own (not prom-client's global one), so two apps in one process, or an
 * app with its own metrics, never clash on a metric name. Every value is read at scrape
 * time from the counters the service keeps anyway: the hot path does no extra work. Every
 * series carries the `cache` label (its name) beside `backend`, so the caches of one app
 * (named caches) are told apart.
 */
export function createCacheMetricsRegistry(sources: readonly CacheMetricsSource[]): Registry {
  const prom = loadPromClient();
  const registry = new prom.Registry();
  const scrape = scrapeOnce(sources);

  for (const { name, help, read } of CACHE_COUNTERS) {
    counter(prom, registry, `ideagraph_cache_${name}_total`, help, [], (each) => {
      for (const { cache, stats } of scrape()) each({ cache, backend: stats.backend }, read(stats));
    });
  }

  gauge(
    prom,
    registry,
    'ideagraph_cache_breaker_state',
    'Circuit breaker state of the cache backend: 1 for the current state, 0 for the others.',
    ['state'],
    (each) => {
      for (const { cache, stats } of scrape()) {
        for (const state of BREAKER_STATES)
          each({ cache, backend: stats.backend, state }, stats.breakerState === state ? 1 : 0);
      }
    },
  );

  gauge(
    prom,
    registry,
    'ideagraph_cache_recovery_pending',
    'Keys and clears whose failed writes wait for the backend, to be deleted once it answers.',
    [],
    (each) => {
      for (const { cache, stats } of scrape()) each({ cache, backend: stats.backend }, stats.recovery.pending);
    },
  );

  if (scrape().some(({ stats }) => stats.tiers)) registerTierMetrics(prom, registry, scrape);

  counter(prom, registry, 'ideagraph_cache_operations_total', 'Cache calls per operation.', ['operation'], (each) => {
    for (const { cache, stats } of scrape()) {
      for (const [operation, summary] of Object.entries(stats.latency))
        each({ cache, backend: stats.backend, operation }, summary.count);
    }
  });

  registerDurationHistogram(registry, () =>
    scrape().map(({ cache, stats, source }) => ({
      labels: { cache, backend: stats.backend },
      latencies: source.latencies,
    })),
  );

  for (const { name, help, read } of GRAPH_COUNTERS) {
    counter(prom, registry, `ideagraph_graph_token_${name}_total`, help, [], (each) => {
      for (const { cache, source } of scrape()) if (source.graphCounters) each({ cache }, read(source.graphCounters()));
    });
  }
  return registry;
}

function registerTierMetrics(prom: PromClient, registry: Registry, scrape: () => Scraped[]): void {
  for (const { name, help, read } of TIER_COUNTERS) {
    counter(prom, registry, `ideagraph_cache_${name}_total`, help, [], (each) => {
      for (const { cache, stats } of scrape())
        if (stats.tiers) each({ cache, backend: stats.backend }, read(stats.tiers));
    });
  }
  for (const { name, help, read } of TIER_GAUGES) {
    gauge(prom, registry, `ideagraph_cache_${name}`, help, [], (each) => {
      for (const { cache, stats } of scrape())
        if (stats.tiers) each({ cache, backend: stats.backend }, read(stats.tiers));
    });
  }
}

type Labels = Record<string, string>;
type Emit = (each: (labels: Labels, value: number) => void) => void;

/** A counter whose series are all set anew from the stats at each scrape. */
function counter(
  prom: PromClient,
  registry: Registry,
  name: string,
  help: string,
  extraLabels: string[],
  emit: Emit,
): void {
  new prom.Counter({
    name,
    help,
    labelNames: labelNamesOf(name, extraLabels),
    registers: [registry],
    collect() {
      this.reset();
      emit((labels, value) => this.inc(labels, value));
    },
  });
}

function gauge(
  prom: PromClient,
  registry: Registry,
  name: string,
  help: string,
  extraLabels: string[],
  emit: Emit,
): void {
  new prom.Gauge({
    name,
    help,
    labelNames: labelNamesOf(name, extraLabels),
    registers: [registry],
    collect() {
      this.reset();
      emit((labels, value) => this.set(labels, value));
    },
  });
}

/** The Graph token counters belong to a cache but to no backend. */
function labelNamesOf(name: string, extra: string[]): string[] {
  return name.startsWith('ideagraph_graph_token_') ? ['cache', ...extra] : ['cache', 'backend', ...extra];
}

/** Each cache's getStats() once per scrape, shared by all metrics collected in the same tick. */
function scrapeOnce(sources: readonly CacheMetricsSource[]): () => Scraped[] {
  let cached: Scraped[] | undefined;
  return () => {
    if (!cached) {
      cached = sources.map((source) => ({ cache: source.cacheName, stats: source.cacheStats(), source }));
      queueMicrotask(() => (cached = undefined));
    }
    return cached;
  };
}
