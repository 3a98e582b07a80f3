import type { ProbeCacheKind } from '../coherence/messages';
import { ProbeFleet } from '../coherence/probe-fleet';
import {
  earlyReads,
  loadRate,
  medianMs,
  type Phase,
  PHASES,
  phaseProblems,
  phasesInRotation,
  type PhaseRound,
} from '../coherence/probe-phases';
import { makeRow, type Row } from '../support/row';
import type { BenchSettings } from '../support/settings';

const FLEET_SIZE = 3;
const SECTION = `Hybrid coherence, ${FLEET_SIZE} processes on one Redis: a write acknowledged in one → the new value read in another`;

type Side = 'ours' | 'theirs' | 'floor';

/**
 * Every process of the fleet runs all three, and each round measures them one after the
 * other in a rotating order. The redis backend has no L1: every read asks Redis, so its
 * delay is what the probe itself and this machine's scheduling cost.
 */
const CACHES: Record<Side, ProbeCacheKind> = { ours: 'hybrid', theirs: 'bentocache', floor: 'redis' };

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
    const measured = await phasesInRotation(
      fleet,
      sides,
      (side) => CACHES[side],
      (side, count) => fleet.probe(CACHES[side], count),
      { rounds: coherenceRounds, probes },
    );
    const outages = await fleet.busOutages(CACHES.ours);
    return rows(
      measured,
      probes,
      outages > 0 ? `the hybrid's invalidation path was lost ${outages} times in the fleet` : undefined,
    );
  } finally {
    await fleet.close();
  }
}

function rows(
  measured: Record<Side, Record<Phase, PhaseRound[]>>,
  probes: number,
  busProblem: string | undefined,
): Row[] {
  const samples = `${probes} probes × ${FLEET_SIZE - 1} readers per round`;
  return PHASES.flatMap(({ phase, label, p99Limit }) => {
    const ours = measured.ours[phase];
    const theirs = measured.theirs[phase];
    const problems = [
      ...(busProblem ? [busProblem] : []),
      ...phaseProblems('hybrid', ours),
      ...phaseProblems('BentoCache', theirs),
    ];
    const problem = problems.join(', ') || undefined;
    const floor = measured.floor[phase];
    const floorText = `the same probes on CACHE_BACKEND=redis (no L1, the probe's own floor): p50 ${medianMs(floor, 'p50')}, p99 ${medianMs(floor, 'p99')}`;
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

function loadNote(ours: PhaseRound[], theirs: PhaseRound[]): string | undefined {
  const rate = loadRate(ours);
  return rate && `background writes reached ${rate} (BentoCache's fleet ${loadRate(theirs)})`;
}

function earlyNote(ours: PhaseRound[]): string | undefined {
  const early = earlyReads(ours);
  return early > 0 ? `${early} reads saw the value before the writer's acknowledgement (counted as 0 ms)` : undefined;
}
