import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster, Redis } from 'ioredis';
import type { CoherenceFleet } from './coherence-fleet';
import { type Divergence, findDivergences } from './convergence-check';
import type { StoredSnapshot } from './coherence-checker';
import { monotonicNowUs, type OperationRecord, type OverdueCall } from './operation-log';
import { readStoredValues } from './stored-values';
import { allKeys, type KeySpace, type OperationMix, READ_HEAVY_MIX, smallKeySpace } from './workload';

/**
 * How long every worker stays idle before the convergence reads: a little over the time
 * an invalidation takes to reach every process (under 100 ms at worst, measured as the
 * staleness of stale reads on a loaded 2-core machine).
 */
export const QUIET_MS = 200;

/** The long runs: per worker, 4 bursts of 8500 operations at 3000 a second; 102,000 operations with 3 workers. */
export const LONG_RUN = { keys: smallKeySpace(16, 6), bursts: 4, operations: 8500, ratePerSecond: 3000 } as const;

export interface CoherenceScenario {
  fleet: CoherenceFleet;
  /** The test's own client to the Redis behind the caches, and the caches' `prefix:version:`. */
  store: { client: Redis | Cluster; prefix: string };
  keys: KeySpace;
  bursts: number;
  /** Per worker and burst. */
  operations: number;
  /** Per worker. */
  ratePerSecond: number;
  lanes?: number;
  /** One mix for all, or each worker its own; READ_HEAVY_MIX by default. */
  mix?: OperationMix | ((worker: number) => OperationMix);
  seed: number;
  /** Runs alongside each burst (a fault to apply); the burst's end waits for it too. */
  duringBurst?: (burst: number) => Promise<void>;
  /** Runs after each burst's convergence check. */
  afterBurst?: (burst: number) => Promise<void>;
}

export interface BurstDivergence extends Divergence {
  burst: number;
}

export interface ScenarioResult {
  records: OperationRecord[];
  divergences: BurstDivergence[];
  /** Calls that threw: the cache API never should. */
  thrown: OperationRecord[];
  unhandledRejections: number;
  backendFaults: number;
  /** What Redis held after each burst: the checker looks there for writes that were lost. */
  stored: StoredSnapshot[];
  /** getOrSet / getOrSetMany calls that had not settled long after their hardTimeoutMs. */
  overdue: OverdueCall[];
  /** Calls per kind over the scenario (a batch counts once). */
  calls: Record<string, number>;
  /** The scenario's seed, printed with its figures so that a failure can be replayed. */
  seed: number;
  /** Seconds each burst took, and each convergence check: where a slow run spent its time. */
  seconds: { bursts: number[]; checks: number[] };
}

/** Seeds that differ per burst and per worker, all derived from the scenario's one seed. */
function seedOf(seed: number, burst: number, worker: number): number {
  return (seed * 1_000_003 + burst * 7919 + worker * 104_729) >>> 0;
}

/**
 * Bursts of random operations on every worker at once, each followed by the convergence
 * check: all workers idle for QUIET_MS, then each reads every key through its cache and
 * must return what Redis holds, or miss.
 */
export async function runCoherenceScenario(scenario: CoherenceScenario): Promise<ScenarioResult> {
  const result: ScenarioResult = {
    records: [],
    divergences: [],
    thrown: [],
    unhandledRejections: 0,
    backendFaults: 0,
    stored: [],
    overdue: [],
    calls: {},
    seed: scenario.seed,
    seconds: { bursts: [], checks: [] },
  };
  const keys = allKeys(scenario.keys);
  for (let burst = 0; burst < scenario.bursts; burst++) {
    const burstStarted = performance.now();
    const [outcomes] = await Promise.all([
      scenario.fleet.burst((worker) => ({
        seed: seedOf(scenario.seed, burst, worker),
        operations: scenario.operations,
        ratePerSecond: scenario.ratePerSecond,
        lanes: scenario.lanes ?? 4,
        mix: typeof scenario.mix === 'function' ? scenario.mix(worker) : (scenario.mix ?? READ_HEAVY_MIX),
        keys: scenario.keys,
      })),
      scenario.duringBurst?.(burst),
    ]);
    for (const outcome of outcomes) {
      for (const record of outcome.records) {
        result.records.push(record);
        if (record.error) result.thrown.push(record);
      }
      result.unhandledRejections += outcome.unhandledRejections;
      result.backendFaults += outcome.backendFaults;
      result.overdue.push(...outcome.overdue);
      for (const [call, count] of Object.entries(outcome.calls)) result.calls[call] = (result.calls[call] ?? 0) + count;
    }
    result.seconds.bursts.push((performance.now() - burstStarted) / 1000);
    await sleep(QUIET_MS);
    const checkStarted = performance.now();
    const readings = await scenario.fleet.readAll(keys);
    const readUs = monotonicNowUs();
    const stored = await readStoredValues(scenario.store.client, scenario.store.prefix, keys);
    result.stored.push({ readUs, stored });
    result.seconds.checks.push((performance.now() - checkStarted) / 1000);
    result.divergences.push(...findDivergences(readings, stored).map((divergence) => ({ ...divergence, burst })));
    await scenario.afterBurst?.(burst);
  }
  return result;
}
