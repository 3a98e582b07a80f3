import type { Attributes, BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import type { CacheStats } from '../service/cache-stats';
import type { OperationLatencies } from '../resilience/operation-latencies';
import {
  BREAKER_STATES,
  CACHE_COUNTERS,
  GRAPH_COUNTERS,
  TIER_COUNTERS,
  TIER_GAUGES,
  type GraphTokenCounters,
  type StatCounter,
} from '../metrics/stat-counters';
import { ATTR_BACKEND, ATTR_BREAKER_STATE, ATTR_NAME, ATTR_OPERATION } from './otel-names';

export interface CacheInstrumentSources {
  /** The cache's name (`default` when unnamed), so two caches of one app are told apart. */
  name: string;
  cacheStats: () => CacheStats;
  graphCounters: () => GraphTokenCounters;
  /** Where every cache call's duration is recorded (the guard's). */
  latencies: OperationLatencies;
}

/**
 * Seconds. A locmem or L1 hit takes microseconds, a Redis round trip a fraction of a
 * millisecond, and a call is cut off at REDIS_COMMAND_TIMEOUT_MS (200 ms by default);
 * batches and clear may take seconds. The database convention's boundaries start at 1 ms,
 * which would put nearly every cache call in the first bucket. A View can set others.
 */
export const DURATION_BUCKETS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * Registers the cache's instruments on `meter`; returns what unregisters them. Counters and
 * gauges are observed at collection time from getStats() (one call per collection, for all
 * of them), so the hot path does no work for them. The duration histogram alone is fed per
 * call, from the durations the guard records anyway.
 */
export function registerCacheInstruments(meter: Meter, sources: CacheInstrumentSources): () => void {
  const counter = <S>(prefix: string, { name, help, unit }: StatCounter<S>) =>
    meter.createObservableCounter(`${prefix}.${name}`, { description: help, unit });
  const gauge = ({ name, help, unit, additive }: (typeof TIER_GAUGES)[number]) =>
    additive
      ? meter.createObservableUpDownCounter(`ideagraph.cache.${name}`, { description: help, unit })
      : meter.createObservableGauge(`ideagraph.cache.${name}`, { description: help, ...(unit ? { unit } : {}) });
  const cacheCounters = CACHE_COUNTERS.map((stat) => [stat, counter('ideagraph.cache', stat)] as const);
  const hybrid = sources.cacheStats().tiers !== undefined;
  const tierCounters = hybrid ? TIER_COUNTERS.map((stat) => [stat, counter('ideagraph.cache', stat)] as const) : [];
  const tierGauges = hybrid ? TIER_GAUGES.map((stat) => [stat, gauge(stat)] as const) : [];
  const graphCounters = GRAPH_COUNTERS.map((stat) => [stat, counter('ideagraph.graph_token', stat)] as const);
  const operations = meter.createObservableCounter('ideagraph.cache.operations', {
    description:
      'Cache calls per operation, each backend call as its caller saw it (the count of ideagraph.cache.operation.duration).',
    unit: '{operation}',
  });
  const breakerState = meter.createObservableGauge('ideagraph.cache.breaker_state', {
    description: 'Circuit breaker state of the cache backend: 1 for the current state, 0 for the others.',
  });
  const recoveryPending = meter.createObservableUpDownCounter('ideagraph.cache.recovery_pending', {
    description: 'Keys and clears whose failed writes wait for the backend, to be deleted once it answers.',
    unit: '{key}',
  });

  const observe = (result: BatchObservableResult) => {
    const stats = sources.cacheStats();
    const backend: Attributes = { [ATTR_BACKEND]: stats.backend, [ATTR_NAME]: sources.name };
    for (const [stat, instrument] of cacheCounters) result.observe(instrument, stat.read(stats), backend);
    for (const [operation, summary] of Object.entries(stats.latency))
      result.observe(operations, summary.count, { ...backend, [ATTR_OPERATION]: operation });
    for (const state of BREAKER_STATES)
      result.observe(breakerState, stats.breakerState === state ? 1 : 0, { ...backend, [ATTR_BREAKER_STATE]: state });
    result.observe(recoveryPending, stats.recovery.pending, backend);
    if (stats.tiers) {
      for (const [stat, instrument] of [...tierCounters, ...tierGauges])
        result.observe(instrument, stat.read(stats.tiers), backend);
    }
    const graph = sources.graphCounters();
    for (const [stat, instrument] of graphCounters)
      result.observe(instrument, stat.read(graph), { [ATTR_NAME]: sources.name });
  };
  const observables: Observable[] = [
    ...cacheCounters.map(([, instrument]) => instrument),
    ...[...tierCounters, ...tierGauges].map(([, instrument]) => instrument),
    ...graphCounters.map(([, instrument]) => instrument),
    operations,
    breakerState,
    recoveryPending,
  ];
  meter.addBatchObservableCallback(observe, observables);

  const duration = meter.createHistogram('ideagraph.cache.operation.duration', {
    description: 'Cache call duration per operation, each backend call as its caller saw it, fallbacks included.',
    unit: 's',
    advice: { explicitBucketBoundaries: DURATION_BUCKETS },
  });
  const backend = sources.cacheStats().backend;
  // One attribute object per operation, made once: recording allocates nothing.
  const attributesOf = new Map<string, Attributes>();
  const observer = (operation: string, ms: number) => {
    let attributes = attributesOf.get(operation);
    if (!attributes) {
      attributes = { [ATTR_BACKEND]: backend, [ATTR_NAME]: sources.name, [ATTR_OPERATION]: operation };
      attributesOf.set(operation, attributes);
    }
    duration.record(ms / 1000, attributes);
  };
  sources.latencies.observer = observer;

  return () => {
    meter.removeBatchObservableCallback(observe, observables);
    if (sources.latencies.observer === observer) sources.latencies.observer = undefined;
  };
}
