import { median, percentile } from '../support/stats';
import type { ProbeCacheKind } from './messages';
import type { LoadReport, ProbeFleet, ProbeResults } from './probe-fleet';

/** Background writes per second across the fleet in the loaded phase. */
export const LOAD_WRITES_PER_SECOND = 5000;
/** Below this share of the asked rate the loaded rows did not measure what they say. */
const LOAD_SHARE_REQUIRED = 0.9;
/** Unmeasured probes first: they wait out each process's bus subscription and warm its code. */
const WARMUP_PROBES = 20;
/** Background writes run this long before the probes, so the probes meet a steady load. */
const LOAD_SETTLE_MS = 300;

export type Phase = 'light' | 'loaded';

/** The two phases of every coherence row, with the target each sets on p99. */
export const PHASES: readonly { phase: Phase; label: string; p99Limit: number }[] = [
  { phase: 'light', label: 'light load (the probes alone)', p99Limit: 5 },
  {
    phase: 'loaded',
    label: `${LOAD_WRITES_PER_SECOND.toLocaleString('en')} background writes/s across the fleet`,
    p99Limit: 10,
  },
];

/** One phase of one round: the delays' percentiles, the probes behind them, and the load they met. */
export interface PhaseRound {
  p50: number;
  p99: number;
  probes: ProbeResults;
  load?: LoadReport;
}

function emptyPhases(): Record<Phase, PhaseRound[]> {
  return { light: [], loaded: [] };
}

/** Runs `probe` once alone and once while the fleet writes `cache` in the background. */
async function bothPhases(
  fleet: ProbeFleet,
  cache: ProbeCacheKind,
  probe: () => Promise<ProbeResults>,
): Promise<Record<Phase, PhaseRound>> {
  const light = summarizeProbes(await probe());
  fleet.load(cache, LOAD_WRITES_PER_SECOND);
  await new Promise((resolve) => setTimeout(resolve, LOAD_SETTLE_MS));
  const results = await probe();
  return { light, loaded: summarizeProbes(results, await fleet.unload()) };
}

/**
 * Warms every side up, then, round after round, measures each side's two phases in an order
 * that shifts by one each round, so no side always runs first on a machine that warms up or
 * tires. `afterRound` runs once per round, after the sides.
 */
export async function phasesInRotation<S extends string>(
  fleet: ProbeFleet,
  sides: readonly S[],
  cacheOf: (side: S) => ProbeCacheKind,
  probe: (side: S, count: number) => Promise<ProbeResults>,
  rounds: { rounds: number; probes: number },
  afterRound: () => Promise<void> = async () => undefined,
): Promise<Record<S, Record<Phase, PhaseRound[]>>> {
  const measured = Object.fromEntries(sides.map((side) => [side, emptyPhases()])) as Record<
    S,
    Record<Phase, PhaseRound[]>
  >;
  for (const side of sides) await probe(side, WARMUP_PROBES);
  for (let round = 0; round < rounds.rounds; round++) {
    const shift = round % sides.length;
    for (const side of [...sides.slice(shift), ...sides.slice(0, shift)]) {
      const phases = await bothPhases(fleet, cacheOf(side), () => probe(side, rounds.probes));
      measured[side].light.push(phases.light);
      measured[side].loaded.push(phases.loaded);
    }
    await afterRound();
  }
  return measured;
}

export function summarizeProbes(probes: ProbeResults, load?: LoadReport): PhaseRound {
  // A round in which no read saw its write has no delay to report; the problem says why.
  const delays = probes.delaysMs.length > 0 ? probes.delaysMs : [Number.NaN];
  return { p50: percentile(delays, 50), p99: percentile(delays, 99), probes, ...(load ? { load } : {}) };
}

/** Why a phase's figures cannot be trusted: reads that never saw their write, failed writes, a load short of its rate. */
export function phaseProblems(name: string, rounds: readonly PhaseRound[]): string[] {
  const sum = (of: (round: PhaseRound) => number): number => rounds.reduce((total, round) => total + of(round), 0);
  const problems: string[] = [];
  const unseen = sum((round) => round.probes.unseen);
  if (unseen > 0) problems.push(`${name}: ${unseen} reads never saw their write`);
  const failed = sum((round) => round.probes.failedWrites + (round.load?.failed ?? 0));
  if (failed > 0) problems.push(`${name}: ${failed} failed writes`);
  const slowest = Math.min(...rounds.map((round) => round.load?.writesPerSecond ?? Infinity));
  if (slowest < LOAD_WRITES_PER_SECOND * LOAD_SHARE_REQUIRED)
    problems.push(`${name}: background writes reached only ${Math.round(slowest)}/s`);
  return problems;
}

/** The median over rounds of one percentile, as text. */
export function medianMs(rounds: readonly PhaseRound[], which: 'p50' | 'p99'): string {
  return `${median(rounds.map((round) => round[which])).toFixed(2)} ms`;
}

/** The rate the background writes reached, median over rounds; undefined for the light phase. */
export function loadRate(rounds: readonly PhaseRound[]): string | undefined {
  if (!rounds[0]?.load) return undefined;
  return `${Math.round(median(rounds.map((round) => round.load!.writesPerSecond)))}/s`;
}

/** Reads that saw the value before the writer had its acknowledgement, summed over rounds. */
export function earlyReads(rounds: readonly PhaseRound[]): number {
  return rounds.reduce((total, round) => total + round.probes.early, 0);
}
