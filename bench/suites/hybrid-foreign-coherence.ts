import { Redis } from 'ioredis';
import { defaultCacheOptions } from '../../src/config/cache-defaults';
import { makeKeyPrefix } from '../../src/keys/cache-key';
import type { ProbeCacheKind } from '../coherence/messages';
import { probeCacheOptions } from '../coherence/probe-cache';
import { type ForeignWrite, ProbeFleet, type ProbeResults } from '../coherence/probe-fleet';
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
import { joinProblems } from '../support/pair-row';
import { makeRow, type Row } from '../support/row';
import type { BenchSettings } from '../support/settings';
import { percentile } from '../support/stats';

const FLEET_SIZE = 3;
const HOST = '127.0.0.1';
const SECTION = `Hybrid coherence of a foreign write, ${FLEET_SIZE} processes on one Redis: a raw ioredis SET (not through the module) acknowledged → the new value read in each process`;
/** The TTL a foreign write sets: the module's default timeout, so the key outlives the suite. */
const FOREIGN_TTL_MS = 300_000;
/**
 * How long a bus-mode reader watches. It would see the write only once its L1 copy expires,
 * CACHE_L1_TIMEOUT (60 s by default) after it was filled: waiting that out would say nothing
 * the setting does not.
 */
const BUS_WAIT_MS = 500;
/** Bus-mode probes per round: every one of them waits the whole BUS_WAIT_MS. */
const BUS_PROBES = { quick: 2, full: 6 };

type Side = 'foreign' | 'own' | 'floor';

/**
 * Every process runs the three caches. `foreign` and `own` are the same tracking caches,
 * written by a raw client outside the fleet or by the module in one of the processes; the
 * redis backend, written by the raw client, has no L1, so its delay is the probe's own floor.
 */
const CACHES: Record<Side, Exclude<ProbeCacheKind, 'bentocache'>> = {
  foreign: 'hybrid-tracking',
  own: 'hybrid-tracking',
  floor: 'redis',
};
const BUS = 'hybrid-bus' satisfies ProbeCacheKind;

/**
 * How long a write by another program (one that does not use the module, so sends nothing
 * on the bus) stays invisible to hybrid processes holding the key in L1: with
 * CACHE_L1_INVALIDATION=tracking, at light load and under background writes, against the
 * module's own writes in the same fleet; and with the bus alone, for contrast, where only
 * the L1 copy's expiry ends it.
 */
export async function hybridForeignCoherenceRows(port: number, settings: BenchSettings): Promise<Row[]> {
  const { coherenceRounds, probes } = settings.hybrid;
  const sides = Object.keys(CACHES) as Side[];
  const fleet = await ProbeFleet.start([CACHES.foreign, CACHES.floor, BUS], port, FLEET_SIZE);
  // Another program's client: ioredis with its own defaults, nothing of the module.
  const client = new Redis({ host: HOST, port });
  try {
    const foreignWrite = (cache: Exclude<ProbeCacheKind, 'bentocache'>): ForeignWrite => {
      const options = probeCacheOptions(cache, port);
      const storedPrefix = makeKeyPrefix(options.keyPrefix, options.version);
      return async (key, value) => {
        const reply = await client.set(`${storedPrefix}${key}`, JSON.stringify(value), 'PX', FOREIGN_TTL_MS);
        return { at: process.hrtime.bigint(), ok: reply === 'OK' };
      };
    };
    const writes = {
      tracking: foreignWrite(CACHES.foreign),
      floor: foreignWrite(CACHES.floor),
      bus: foreignWrite(BUS),
    };
    const probe: Record<Side, (count: number) => Promise<ProbeResults>> = {
      foreign: (count) => fleet.probeForeign(CACHES.foreign, count, writes.tracking),
      own: (count) => fleet.probe(CACHES.own, count),
      floor: (count) => fleet.probeForeign(CACHES.floor, count, writes.floor),
    };
    const busProbes = settings.quick ? BUS_PROBES.quick : BUS_PROBES.full;
    const bus: ProbeResults[] = [];
    await fleet.seedForeign(CACHES.foreign, writes.tracking);
    await fleet.seedForeign(CACHES.floor, writes.floor);
    await fleet.seedForeign(BUS, writes.bus);
    const measured = await phasesInRotation(
      fleet,
      sides,
      (side) => CACHES[side],
      (side, count) => probe[side](count),
      { rounds: coherenceRounds, probes },
      async () => {
        bus.push(await fleet.probeForeign(BUS, busProbes, writes.bus, BUS_WAIT_MS));
      },
    );
    const outages = {
      tracking: await fleet.busOutages(CACHES.foreign),
      bus: await fleet.busOutages(BUS),
    };
    return [
      ...trackingRows(measured, probes, outagesProblem('tracking', outages.tracking)),
      busRow(bus, busProbes, outagesProblem('bus', outages.bus)),
    ];
  } finally {
    client.disconnect();
    await fleet.close();
  }
}

function trackingRows(
  measured: Record<Side, Record<Phase, PhaseRound[]>>,
  probes: number,
  pathProblem: string | undefined,
): Row[] {
  const samples = `${probes} probes per round, read by ${FLEET_SIZE} processes (own writes: by the ${FLEET_SIZE - 1} that did not write)`;
  return PHASES.flatMap(({ phase, label, p99Limit }) => {
    const { foreign, own, floor } = {
      foreign: measured.foreign[phase],
      own: measured.own[phase],
      floor: measured.floor[phase],
    };
    const problem = joinProblems(
      pathProblem,
      ...phaseProblems('foreign writes', foreign),
      ...phaseProblems('own writes', own),
    );
    const rate = loadRate(foreign);
    const early = earlyReads(foreign);
    const note = [
      samples,
      `the same foreign writes on CACHE_BACKEND=redis (no L1, the probe's own floor): p50 ${medianMs(floor, 'p50')}, p99 ${medianMs(floor, 'p99')}`,
      rate && `background writes (through the module) reached ${rate} (${loadRate(own)} for the own writes)`,
      early > 0 && `${early} reads saw the value before the writer's acknowledgement (counted as 0 ms)`,
    ]
      .filter(Boolean)
      .join('; ');
    const row = (which: 'p50' | 'p99', limit?: number): Row =>
      makeRow({
        section: SECTION,
        measurement: `CACHE_L1_INVALIDATION=tracking, foreign write, delay ${which}, ${label}`,
        unit: 'ms',
        ours: foreign.map((round) => round[which]),
        baselineName: "the module's own writes (CacheManagerService.set in one of the processes), the same fleet",
        baseline: own.map((round) => round[which]),
        absolute: limit === undefined ? undefined : { limit, text: `p99 ≤ ${limit} ms` },
        // One round's p99 swings with a single stalled process on a shared machine: every round is shown.
        note: which === 'p50' ? note : `p99 per round ${perRound(foreign)} (own writes ${perRound(own)})`,
        problem,
      });
    return [row('p50'), row('p99', p99Limit)];
  });
}

/** The bus never hears of a foreign write: the row counts the reads that had not seen it when their wait ended. */
function busRow(rounds: ProbeResults[], probes: number, pathProblem: string | undefined): Row {
  const unseen = rounds.reduce((total, round) => total + round.unseen, 0);
  const seen = rounds.flatMap((round) => round.delaysMs);
  const reads = unseen + seen.length;
  const seenText = seen.length > 0 ? `; ${seen.length} seen, p99 ${percentile(seen, 99).toFixed(2)} ms` : '';
  const failed = rounds.reduce((total, round) => total + round.failedWrites, 0);
  return makeRow({
    section: SECTION,
    measurement: 'CACHE_L1_INVALIDATION=bus, foreign write, light load',
    unit: 'ms',
    ours: [BUS_WAIT_MS],
    oursText: `not seen within ${BUS_WAIT_MS} ms by ${unseen} of ${reads} reads${seenText}`,
    note: `${probes} probes per round × ${FLEET_SIZE} readers, each watching ${BUS_WAIT_MS} ms; CACHE_L1_TIMEOUT at its default (${defaultCacheOptions().l1.timeoutSeconds} s): the L1 copy is served until it expires`,
    problem: joinProblems(pathProblem, failed > 0 ? `${failed} failed foreign writes` : undefined),
  });
}

function perRound(rounds: readonly PhaseRound[]): string {
  return `${rounds.map((round) => round.p99.toFixed(2)).join(', ')} ms`;
}

function outagesProblem(path: string, outages: number): string | undefined {
  return outages > 0 ? `the ${path} path was lost ${outages} times in the fleet` : undefined;
}
