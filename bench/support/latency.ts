import { build } from 'hdr-histogram-js';

export interface LatencyContender {
  name: string;
  call: () => Promise<unknown>;
}

/** Percentiles of one round, in microseconds. */
export interface LatencyRound {
  p50: number;
  p99: number;
}

/**
 * Times every call with process.hrtime.bigint into an HdrHistogram, one contender after the
 * other in an order that alternates each round. Calls run one at a time: these rows are
 * about the latency of one caller, not throughput.
 */
export async function latencyInRounds(
  contenders: readonly LatencyContender[],
  rounds: number,
  calls: number,
): Promise<Map<string, LatencyRound[]>> {
  const results = new Map<string, LatencyRound[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? contenders : [...contenders].reverse();
    for (const contender of order) results.get(contender.name)!.push(await timeCalls(contender, calls));
  }
  return results;
}

async function timeCalls(contender: LatencyContender, calls: number): Promise<LatencyRound> {
  for (let i = 0; i < calls / 10; i++) await contender.call();
  // Nanoseconds, 3 significant digits, from 1 ns up to 10 s.
  const histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 10e9,
    numberOfSignificantValueDigits: 3,
  });
  try {
    for (let i = 0; i < calls; i++) {
      const started = process.hrtime.bigint();
      await contender.call();
      histogram.recordValue(Number(process.hrtime.bigint() - started));
    }
    return { p50: histogram.getValueAtPercentile(50) / 1000, p99: histogram.getValueAtPercentile(99) / 1000 };
  } finally {
    histogram.destroy();
  }
}
