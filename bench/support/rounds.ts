import { Bench } from 'tinybench';

/** One side of a comparison: something that can be called repeatedly. */
export interface Contender {
  name: string;
  /** How many cache operations one call of `run` performs. */
  opsPerCall: number;
  run: () => unknown;
}

export interface RoundSettings {
  rounds: number;
  /** Measuring time per contender per round. */
  timeMs: number;
  warmupMs: number;
}

/** Milliseconds per operation, one value per round. */
export type PerRound = Map<string, number[]>;

/**
 * Measures every contender once per round with tinybench, rotating the order each round.
 * On a shared machine the load drifts; rotating spreads that drift over all contenders
 * instead of letting it land on whoever always runs second.
 */
export async function measureInRounds(contenders: readonly Contender[], settings: RoundSettings): Promise<PerRound> {
  const perRound: PerRound = new Map(contenders.map((c) => [c.name, []]));
  for (let round = 0; round < settings.rounds; round++) {
    const shift = round % contenders.length;
    const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
    if (round % 2 === 1) order.reverse();
    for (const contender of order) {
      perRound.get(contender.name)!.push((await meanCallMs(contender, settings)) / contender.opsPerCall);
    }
  }
  return perRound;
}

async function meanCallMs(contender: Contender, settings: RoundSettings): Promise<number> {
  // tinybench's defaults also demand 64 measured and 16 warm-up calls, which for calls of
  // thousands of operations outlast the time budget many times over.
  const bench = new Bench({ time: settings.timeMs, warmupTime: settings.warmupMs, iterations: 3, warmupIterations: 1, throws: true });
  bench.add(contender.name, contender.run);
  const [task] = await bench.run();
  const result = task.result;
  if (!result || result.error) throw new Error(`benchmark "${contender.name}" failed: ${result?.error?.message ?? 'no result'}`);
  return result.latency.mean;
}

/** Runs `total` operations with at most `inFlight` of them outstanding at any moment. */
export async function withInFlight(inFlight: number, total: number, op: () => Promise<unknown>): Promise<void> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < total) {
      started++;
      await op();
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, worker));
}
