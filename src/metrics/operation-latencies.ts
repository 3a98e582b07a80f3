import { LatencyHistogram, type LatencySummary } from './latency-histogram';

/** One latency histogram per cache operation, created on first use. */
export class OperationLatencies {
  private readonly byOperation = new Map<string, LatencyHistogram>();

  record(operation: string, ms: number): void {
    let histogram = this.byOperation.get(operation);
    if (!histogram) {
      histogram = new LatencyHistogram();
      this.byOperation.set(operation, histogram);
    }
    histogram.record(ms);
  }

  summaries(): Record<string, LatencySummary> {
    const result: Record<string, LatencySummary> = {};
    for (const [operation, histogram] of this.byOperation) result[operation] = histogram.summary();
    return result;
  }
}
