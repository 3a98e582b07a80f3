import { Bench } from 'tinybench';

/** One side of a comparison: something that can be called repeatedly. */
export interface Contender {
  name: string;
  /** How many cache operations one call of `run` performs. */
  opsPerCall: number;
  run: () => unknown;
  /** Runs before every call of `run`, outside the timed part; its CPU time is left out too. */
  beforeEach?: () => unknown;
}

export interface RoundSettings {
  rounds: number;
  /** Measuring time per contender per round. */
  timeMs: number;
  warmupMs: number;
}

/** Per contender, one value per round. */
export class PerRound {
  private readonly wall = new Map<string, number[]>();
  private readonly cpu = new Map<string, number[]>();

  record(name: string, msPerOp: number, cpuUsPerOp: number): void {
    (this.wall.get(name) ?? this.wall.set(name, []).get(name)!).push(msPerOp);
    (this.cpu.get(name) ?? this.cpu.set(name, []).get(name)!).push(cpuUsPerOp);
  }

  /** Wall-clock milliseconds per operation. */
  ms(name: string): number[] {
    return this.rounds(this.wall, name);
  }

  /**
   * CPU microseconds this process spent per operation (user + system). Unlike wall time it
   * barely moves when other processes share the cores, so it still compares two contenders
   * on a busy machine. For Redis rows it leaves out the server's share, which both pay alike.
   */
  cpuUs(name: string): number[] {
    return this.rounds(this.cpu, name);
  }

  private rounds(from: Map<string, number[]>, name: string): number[] {
    const rounds = from.get(name);
    if (!rounds) throw new Error(`no contender named "${name}" was measured`);
    return rounds;
  }
}

/**
 * Measures every contender once per round with tinybench, rotating the order each round.
 * On a shared machine the load drifts; rotating spreads that drift over all contenders
 * instead of letting it land on whoever always runs second.
 */
export async function measureInRounds(contenders: readonly Contender[], settings: RoundSettings): Promise<PerRound> {
  const perRound = new PerRound();
  for (let round = 0; round < settings.rounds; round++) {
    const shift = round % contenders.length;
    const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
    if (round % 2 === 1) order.reverse();
    for (const contender of order) {
      const { meanMs, cpuUsPerCall } = await measureCalls(contender, settings);
      perRound.record(contender.name, meanMs / contender.opsPerCall, cpuUsPerCall / contender.opsPerCall);
    }
  }
  return perRound;
}

async function measureCalls(
  contender: Contender,
  settings: RoundSettings,
): Promise<{ meanMs: number; cpuUsPerCall: number }> {
  // tinybench's defaults also demand 64 measured and 16 warm-up calls, which for calls of
  // thousands of operations outlast the time budget many times over.
  const bench = new Bench({
    time: settings.timeMs,
    warmupTime: settings.warmupMs,
    iterations: 3,
    warmupIterations: 1,
    throws: true,
  });
  let calls = 0;
  let hookCpuUs = 0;
  const { run, beforeEach } = contender;
  const hooks = beforeEach && {
    beforeEach: async () => {
      const before = process.cpuUsage();
      await beforeEach();
      const spent = process.cpuUsage(before);
      hookCpuUs += spent.user + spent.system;
    },
  };
  const call = () => {
    calls++;
    return run();
  };
  // tinybench calls a plain function once when it is added, to see whether it returns a
  // promise: outside the hooks, so that call would find the state the hook had not reset.
  // An async function it recognises without calling.
  bench.add(contender.name, hooks ? async () => call() : call, hooks);
  const cpuBefore = process.cpuUsage();
  const [task] = await bench.run();
  const cpu = process.cpuUsage(cpuBefore);
  const result = task.result;
  if (!result || result.error)
    throw new Error(`benchmark "${contender.name}" failed: ${result?.error?.message ?? 'no result'}`);
  // The CPU count covers warm-up calls too, so it is divided by every call made.
  return { meanMs: result.latency.mean, cpuUsPerCall: (cpu.user + cpu.system - hookCpuUs) / calls };
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
