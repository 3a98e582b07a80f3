import type { ProbeCacheKind } from '../coherence/messages';
import { type LoadReport, ProbeFleet, type ProbeResults } from '../coherence/probe-fleet';
import { makeRow, type Row } from '../support/row';
import type { BenchSettings } from '../support/settings';
import { median, percentile } from '../support/stats';

const FLEET_SIZE = 3;
const SECTION = `Hybrid coherence, ${FLEET_SIZE} processes on one Redis: a write acknowledged in one → the new value read in another`;
const LOAD_WRITES_PER_SECOND = 5000;
/** Below this share of the asked rate the loaded rows did not measure what they say. */
const LOAD_SHARE_REQUIRED = 0.9;
/** Unmeasured probes first: they wait out each process's bus subscription and warm its code. */
const WARMUP_PROBES = 20;
/** Background writes run this long before the probes, so the probes meet a steady load. */
const LOAD_SETTLE_MS = 300;

type Phase = 'light' | 'loaded';
type Side = 'ours' | 'theirs' | 'floor';

/**
 * Every process of the fleet runs all three, and each round measures them one after the
 * other in a rotating order. The redis backend has no L1: every read asks Redis, so its
 * delay is what the probe itself and this machine's scheduling cost.
 */
const CACHES: Record<Side, ProbeCacheKind> = { ours: 'hybrid', theirs: 'bentocache', floor: 'redis' };

interface PhaseRound {
  p50: number;
  p99: number;
  probes: ProbeResults;
  load?: LoadReport;
}

/**
 * How long a write in one process stays invisible to the others, for the hybrid backend and
 * for BentoCache with its bus: with the probes alone, and with background writes across the
 * fleet.
 */
export async function hybridCoherenceRows(port: number, settings: BenchSettings): Promise<Row[]> {
  const { coherenceRounds, probes } = settings.hybrid;
  const sides = Object.keys(CACHES) as Side[];
  const fleet = await ProbeFleet.start(Object.values(CACHES), port, FLEET_SIZE);
  try {
    const measured = { ours: emptyPhases(), theirs: emptyPhases(), floor: emptyPhases() };
    for (const side of sides) await fleet.probe(CACHES[side], WARMUP_PROBES);
    for (let round = 0; round < coherenceRounds; round++) {
      const shift = round % sides.length;
      for (const side of [...sides.slice(shift), ...sides.slice(0, shift)]) {
        measured[side].light.push(summarizeProbes(await fleet.probe(CACHES[side], probes)));
        measured[side].loaded.push(await loadedPhase(fleet, CACHES[side], probes));
      }
    }
    const outages = await fleet.busOutages(CACHES.ours);
    return rows(measured, probes, outages > 0 ? `the hybrid's bus was lost ${outages} times in the fleet` : undefined);
  } finally {
    await fleet.close();
  }
}

function emptyPhases(): Record<Phase, PhaseRound[]> {
  return { light: [], loaded: [] };
}

async function loadedPhase(fleet: ProbeFleet, cache: ProbeCacheKind, probes: number): Promise<PhaseRound> {
  fleet.load(cache, LOAD_WRITES_PER_SECOND);
  await new Promise((resolve) => setTimeout(resolve, LOAD_SETTLE_MS));
  const results = await fleet.probe(cache, probes);
  return { ...summarizeProbes(results), load: await fleet.unload() };
}

function summarizeProbes(probes: ProbeResults): PhaseRound {
  // A round in which no read saw its write has no delay to report; the problem says why.
  const delays = probes.delaysMs.length > 0 ? probes.delaysMs : [Number.NaN];
  return { p50: percentile(delays, 50), p99: percentile(delays, 99), probes };
}

function rows(
  measured: Record<Side, Record<Phase, PhaseRound[]>>,
  probes: number,
  busProblem: string | undefined,
): Row[] {
  const samples = `${probes} probes × ${FLEET_SIZE - 1} readers per round`;
  const phases: { phase: Phase; label: string; p99Limit: number }[] = [
    { phase: 'light', label: 'light load (the probes alone)', p99Limit: 5 },
    {
      phase: 'loaded',
      label: `${LOAD_WRITES_PER_SECOND.toLocaleString('en')} background writes/s across the fleet`,
      p99Limit: 10,
    },
  ];
  return phases.flatMap(({ phase, label, p99Limit }) => {
    const ours = measured.ours[phase];
    const theirs = measured.theirs[phase];
    const problems = [
      ...(busProblem ? [busProblem] : []),
      ...phaseProblems('hybrid', ours),
      ...phaseProblems('BentoCache', theirs),
    ];
    const problem = problems.join(', ') || undefined;
    const floor = measured.floor[phase];
    const floorText = `the same probes on CACHE_BACKEND=redis (no L1, the probe's own floor): p50 ${ms(floor, 'p50')}, p99 ${ms(floor, 'p99')}`;
    const note = [samples, floorText, loadNote(ours, theirs), earlyNote(ours)].filter(Boolean).join('; ');
    const row = (which: 'p50' | 'p99', limit?: number): Row =>
      makeRow({
        section: SECTION,
        measurement: `CACHE_BACKEND=hybrid, delay ${which}, ${label}`,
        unit: 'ms',
        ours: ours.map((round) => round[which]),
        baselineName: 'BentoCache 1.6, memory L1 + Redis L2 + Redis bus, the same probes in its own fleet',
        baseline: theirs.map((round) => round[which]),
        absolute: limit === undefined ? undefined : { limit, text: `p99 ≤ ${limit} ms` },
        note: which === 'p50' ? note : undefined,
        problem,
      });
    return [row('p50'), row('p99', p99Limit)];
  });
}

function ms(rounds: PhaseRound[], which: 'p50' | 'p99'): string {
  return `${median(rounds.map((round) => round[which])).toFixed(2)} ms`;
}

function phaseProblems(name: string, rounds: PhaseRound[]): string[] {
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

function loadNote(ours: PhaseRound[], theirs: PhaseRound[]): string | undefined {
  if (!ours[0].load) return undefined;
  const rate = (rounds: PhaseRound[]): string =>
    `${Math.round(median(rounds.map((round) => round.load!.writesPerSecond)))}/s`;
  return `background writes reached ${rate(ours)} (BentoCache's fleet ${rate(theirs)})`;
}

function earlyNote(ours: PhaseRound[]): string | undefined {
  const early = ours.reduce((total, round) => total + round.probes.early, 0);
  return early > 0 ? `${early} reads saw the value before the writer's acknowledgement (counted as 0 ms)` : undefined;
}
