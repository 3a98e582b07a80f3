import type { Registry } from 'prom-client';
import type { OperationLatencies } from '../resilience/operation-latencies';

/** Upper bounds of the buckets, in seconds: 50 µs (a locmem hit) to 10 s (past any command timeout). */
export const DURATION_BUCKETS_SECONDS = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

const NAME = 'ideagraph_cache_operation_duration_seconds';
const BOUNDS_MS = DURATION_BUCKETS_SECONDS.map((seconds) => seconds * 1000);

export interface DurationSeries {
  labels: Record<string, string>;
  latencies: OperationLatencies;
}

interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName: string;
}

/**
 * `ideagraph_cache_operation_duration_seconds` as a Prometheus histogram (buckets, sum and
 * count per operation), so `histogram_quantile` and rates work across instances. The
 * service already keeps a fine histogram of every call (LatencyHistogram); this reads its
 * buckets at scrape time instead of timing each call a second time. prom-client's own
 * Histogram can only be fed one observation at a time, so the metric is a collector object
 * the registry formats like any other.
 */
export function registerDurationHistogram(registry: Registry, series: () => DurationSeries[]): void {
  const help = 'Cache call latency per operation as the caller sees it, in seconds, since startup.';
  registry.registerMetric({
    name: NAME,
    help,
    type: 'histogram',
    get: async () => ({ name: NAME, help, type: 'histogram', aggregator: 'sum', values: samples(series()) }),
  } as unknown as Parameters<Registry['registerMetric']>[0]);
}

function samples(series: DurationSeries[]): Sample[] {
  const values: Sample[] = [];
  for (const { labels, latencies } of series) {
    for (const { operation, counts, count, sumMs } of latencies.histograms(BOUNDS_MS)) {
      const base = { ...labels, operation };
      DURATION_BUCKETS_SECONDS.forEach((le, i) =>
        values.push({ metricName: `${NAME}_bucket`, labels: { ...base, le }, value: counts[i] }),
      );
      values.push({ metricName: `${NAME}_bucket`, labels: { ...base, le: '+Inf' }, value: count });
      values.push({ metricName: `${NAME}_sum`, labels: base, value: sumMs / 1000 });
      values.push({ metricName: `${NAME}_count`, labels: base, value: count });
    }
  }
  return values;
}
