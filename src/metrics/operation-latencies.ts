import { LatencyHistogram, type LatencySummary } from './latency-histogram';

/** Hears every duration recorded, in milliseconds. */
export type LatencyObserver = (operation: string, ms: number) => void;

/** One latency histogram per cache operation, created on first use. */
export class OperationLatencies {
  private readonly byOperation = new Map<string, LatencyHistogram>();
  /** Set while OpenTelemetry is on (src/otel); unset, it costs one check per call. */
  observer: LatencyObserver | undefined;

  record(operation: string, ms: number): void {
    let histogram = this.byOperation.get(operation);
    if (!histogram) {
      histogram = new LatencyHistogram();
      this.byOperation.set(operation, histogram);
    }
    histogram.record(ms);
    this.observer?.(operation, ms);
  }

  /** Each operation's histogram in Prometheus form: cumulative counts at `boundsMs`, the count and the sum (ms). */
  histograms(boundsMs: readonly number[]): Array<{ operation: string; counts: number[]; count: number; sumMs: number }> {
    return [...this.byOperation].map(([operation, histogram]) => ({
      operation,
      counts: histogram.cumulativeCounts(boundsMs),
      count: histogram.count,
      sumMs: histogram.sumMs,
    }));
  }

  summaries(): Record<string, LatencySummary> {
    const result: Record<string, LatencySummary> = {};
    for (const [operation, histogram] of this.byOperation) result[operation] = histogram.summary();
    return result;
  }
}
