import type { GraphTokenStatus } from '../graph/graph-token.types';
import type { CacheStats, TierStats } from '../service/cache-stats';

export type GraphTokenCounters = Pick<
  GraphTokenStatus,
  'memoryHits' | 'cacheHits' | 'networkFetches' | 'networkFailures' | 'lockWaits'
>;

/**
 * A counter read from the stats the service keeps anyway. `name` is the stem both exporters
 * build on: Prometheus `ideagraph_cache_<name>_total`, OpenTelemetry `ideagraph.cache.<name>`
 * (which an OpenTelemetry Prometheus exporter turns back into the same name). One table, so
 * the two cannot drift apart.
 */
export interface StatCounter<S> {
  name: string;
  help: string;
  /** UCUM annotation for OpenTelemetry: what one count is (empty: none). */
  unit: string;
  read: (stats: S) => number;
}

export const CACHE_COUNTERS: ReadonlyArray<StatCounter<CacheStats>> = [
  { name: 'hits', unit: '{key}', help: 'Cache keys found.', read: (s) => s.hits },
  {
    name: 'misses',
    unit: '{key}',
    help: 'Cache keys not found, or not readable because of a backend fault.',
    read: (s) => s.misses,
  },
  { name: 'sets', unit: '{entry}', help: 'Cache entries written.', read: (s) => s.sets },
  { name: 'deletes', unit: '{key}', help: 'Cache keys deleted.', read: (s) => s.deletes },
  { name: 'errors', unit: '{fault}', help: 'Cache backend faults.', read: (s) => s.errors },
  { name: 'timeouts', unit: '{call}', help: 'Cache calls that ran out of time.', read: (s) => s.timeouts },
  {
    name: 'short_circuited',
    unit: '{call}',
    help: 'Cache calls answered with their fallback while the breaker was open.',
    read: (s) => s.shortCircuited,
  },
  {
    name: 'recovery_queued',
    unit: '{key}',
    help: 'Keys (and clears) remembered because a write did not reach the backend.',
    read: (s) => s.recovery.queued,
  },
  {
    name: 'recovery_made_good',
    unit: '{key}',
    help: 'Remembered keys deleted, and clears carried out, once the backend answered again.',
    read: (s) => s.recovery.madeGood,
  },
  {
    name: 'recovery_overflowed',
    unit: '{overflow}',
    help: 'Times the recovery queue was full and fell back to clearing the whole cache scope.',
    read: (s) => s.recovery.overflowed,
  },
  {
    name: 'stale_if_error',
    unit: '{read}',
    help: "Reads answered from the process's L1 because Redis failed.",
    read: (s) => s.staleIfError,
  },
  {
    name: 'factory_calls',
    unit: '{call}',
    help: 'getOrSet factory calls started in this process.',
    read: (s) => s.getOrSet.factoryCalls,
  },
  {
    name: 'factory_errors',
    unit: '{call}',
    help: 'getOrSet factory calls that failed.',
    read: (s) => s.getOrSet.factoryErrors,
  },
  {
    name: 'stale_serves',
    unit: '{call}',
    help: 'getOrSet computations answered with a stale value (fail-safe, soft timeout, or another process computing).',
    read: (s) => s.getOrSet.staleServes,
  },
  {
    name: 'factory_soft_timeouts',
    unit: '{call}',
    help: 'getOrSet calls answered with a stale value at their soft timeout.',
    read: (s) => s.getOrSet.softTimeouts,
  },
  {
    name: 'factory_hard_timeouts',
    unit: '{call}',
    help: 'getOrSet calls rejected with CacheFactoryTimeoutError.',
    read: (s) => s.getOrSet.hardTimeouts,
  },
  {
    name: 'background_refreshes',
    unit: '{call}',
    help: 'Refresh-ahead factory calls started in the background.',
    read: (s) => s.getOrSet.backgroundRefreshes,
  },
  {
    name: 'fleet_lock_waits',
    unit: '{wait}',
    help: "Times this process waited for another process's factory call.",
    read: (s) => s.getOrSet.fleetLockWaits,
  },
];

/** Published on the hybrid backend only. */
export const TIER_COUNTERS: ReadonlyArray<StatCounter<TierStats>> = [
  { name: 'l1_hits', unit: '{key}', help: "Reads answered from the process's L1, with no I/O.", read: (t) => t.l1Hits },
  { name: 'l2_hits', unit: '{key}', help: 'Keys read from Redis and found.', read: (t) => t.l2Hits },
  {
    name: 'bus_published',
    unit: '{message}',
    help: 'Invalidation messages sent on the bus.',
    read: (t) => t.bus.published,
  },
  {
    name: 'bus_received',
    unit: '{message}',
    help: 'Invalidation messages received from the bus.',
    read: (t) => t.bus.received,
  },
  {
    name: 'bus_dropped',
    unit: '{message}',
    help: 'Received bus messages that were not readable and were ignored.',
    read: (t) => t.bus.dropped,
  },
  {
    name: 'bus_publish_failures',
    unit: '{failure}',
    help: 'Bus publishes that failed (their keys are sent again).',
    read: (t) => t.bus.publishFailures,
  },
  {
    name: 'bus_outages',
    unit: '{outage}',
    help: 'Times the bus was lost (a closed or silent subscription).',
    read: (t) => t.bus.outages,
  },
];

/**
 * Hybrid only, values of the moment: Prometheus gauges `ideagraph_cache_<name>`. For
 * OpenTelemetry, an `additive` value (a count that sums across processes) is an up-down
 * counter, any other a gauge.
 */
export const TIER_GAUGES: ReadonlyArray<StatCounter<TierStats> & { additive: boolean }> = [
  {
    name: 'bus_live',
    // No unit: a 0 or 1, and unit "1" would make a Prometheus exporter append _ratio.
    unit: '',
    additive: false,
    help: 'Whether this process hears the invalidation bus (1), and so serves L1, or not (0).',
    read: (t) => (t.bus.live ? 1 : 0),
  },
  {
    name: 'l1_entries',
    unit: '{entry}',
    additive: true,
    help: "Entries in this process's L1.",
    read: (t) => t.l1Entries,
  },
];

/** Prometheus `ideagraph_graph_token_<name>_total`, OpenTelemetry `ideagraph.graph_token.<name>`. */
export const GRAPH_COUNTERS: ReadonlyArray<StatCounter<GraphTokenCounters>> = [
  { name: 'memory_hits', unit: '{token}', help: 'Graph tokens served from process memory.', read: (g) => g.memoryHits },
  { name: 'cache_hits', unit: '{token}', help: 'Graph tokens served from the shared cache.', read: (g) => g.cacheHits },
  {
    name: 'network_fetches',
    unit: '{request}',
    help: 'Graph tokens fetched from Entra ID.',
    read: (g) => g.networkFetches,
  },
  {
    name: 'network_failures',
    unit: '{request}',
    help: 'Token requests to Entra ID that failed.',
    read: (g) => g.networkFailures,
  },
  {
    name: 'lock_waits',
    unit: '{wait}',
    help: "Times this process waited for another process's token request.",
    read: (g) => g.lockWaits,
  },
];

export const BREAKER_STATES = ['closed', 'open', 'half-open'] as const;
