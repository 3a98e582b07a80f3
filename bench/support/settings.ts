import type { RoundSettings } from './rounds';

/** How long and how large each kind of measurement runs, for the full and the quick mode. */
export interface BenchSettings {
  quick: boolean;
  /** Rounds for the in-process rows (tinybench). */
  rounds: RoundSettings;
  /** Operations outstanding at once in the Redis throughput rows. */
  inFlight: number;
  /** Operations per measured call in the throughput rows, so harness overhead is spread thin. */
  batch: number;
  /** Calls per round in the latency-histogram rows. */
  latencyCalls: number;
  http: { rounds: number; seconds: number; connections: number };
  /** Distinct keys written in the memory row, and how many fresh processes write them. */
  memoryKeys: number;
  memoryRounds: number;
  hybrid: HybridSettings;
  /** The getOrSet suite: short rounds, since it measures twenty contenders. */
  getOrSet: { rounds: RoundSettings };
}

/** The hybrid suite: shorter rounds than the other in-process rows, since it measures seven contenders. */
export interface HybridSettings {
  rounds: RoundSettings;
  /** Rounds of the coherence rows; each runs every phase of every fleet once. */
  coherenceRounds: number;
  /** Writes per phase whose visibility in the other processes is timed. */
  probes: number;
}

export function benchSettings(quick: boolean): BenchSettings {
  return quick
    ? {
        quick,
        rounds: { rounds: 3, timeMs: 250, warmupMs: 100 },
        inFlight: 100,
        batch: 2000,
        latencyCalls: 20_000,
        http: { rounds: 3, seconds: 1, connections: 100 },
        // Enough to pass the cap twenty times over; a million takes too long for CI.
        memoryKeys: 200_000,
        memoryRounds: 1,
        hybrid: { rounds: { rounds: 3, timeMs: 200, warmupMs: 50 }, coherenceRounds: 2, probes: 20 },
        getOrSet: { rounds: { rounds: 3, timeMs: 100, warmupMs: 30 } },
      }
    : {
        quick,
        rounds: { rounds: 5, timeMs: 1500, warmupMs: 300 },
        inFlight: 100,
        batch: 2000,
        latencyCalls: 100_000,
        http: { rounds: 5, seconds: 5, connections: 100 },
        memoryKeys: 1_000_000,
        memoryRounds: 3,
        hybrid: { rounds: { rounds: 5, timeMs: 800, warmupMs: 200 }, coherenceRounds: 5, probes: 150 },
        getOrSet: { rounds: { rounds: 5, timeMs: 800, warmupMs: 200 } },
      };
}
