import { LatencyHistogram } from '../../src/resilience/latency-histogram';

describe('LatencyHistogram', () => {
  it('reports zeros before anything is recorded', () => {
    expect(new LatencyHistogram().summary()).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, max: 0 });
  });

  it('keeps sub-64 µs values exact', () => {
    const histogram = new LatencyHistogram();
    for (const micros of [5, 10, 20, 40]) histogram.record(micros / 1000);
    expect(histogram.percentile(0.5)).toBe(0.01);
    expect(histogram.percentile(1)).toBe(0.04);
  });

  it('finds percentiles of 1..1000 ms within the 1/32 bucket resolution', () => {
    const histogram = new LatencyHistogram();
    // Shuffled order must not matter.
    for (let i = 0; i < 1000; i++) histogram.record(((i * 379) % 1000) + 1);
    const summary = histogram.summary();
    expect(summary.count).toBe(1000);
    expect(summary.max).toBe(1000);
    for (const [actual, expected] of [
      [summary.p50, 500],
      [summary.p90, 900],
      [summary.p99, 990],
    ]) {
      expect(actual).toBeGreaterThanOrEqual(expected);
      expect(actual).toBeLessThanOrEqual(expected * (1 + 1 / 32));
    }
  });

  it('never reports a percentile above the largest value seen', () => {
    const histogram = new LatencyHistogram();
    histogram.record(100.001);
    expect(histogram.percentile(0.99)).toBe(100.001);
  });

  it('counts negative, zero and absurdly large durations without failing', () => {
    const histogram = new LatencyHistogram();
    histogram.record(-1);
    histogram.record(0);
    histogram.record(1e12);
    expect(histogram.count).toBe(3);
    expect(histogram.percentile(0.5)).toBe(0);
    expect(histogram.summary().max).toBe((2 ** 31 - 1) / 1000);
  });
});

describe('LatencyHistogram as Prometheus buckets', () => {
  it('counts the calls at or under each bound, cumulatively, and keeps their sum', () => {
    const histogram = new LatencyHistogram();
    for (const ms of [0.01, 0.04, 0.5, 3, 3, 40, 900]) histogram.record(ms);
    expect(histogram.cumulativeCounts([0.05, 1, 5, 50, 1000, 10_000])).toEqual([2, 3, 5, 6, 7, 7]);
    expect(histogram.sumMs).toBeCloseTo(946.55, 6);
  });

  it('counts nothing under a bound below every call, and every call under one above the last bucket', () => {
    const histogram = new LatencyHistogram();
    histogram.record(2);
    histogram.record(10 ** 9);
    expect(histogram.cumulativeCounts([1, 3])).toEqual([0, 1]);
    expect(histogram.cumulativeCounts([2 ** 32])).toEqual([2]);
  });
});
