import type { GetOrSetOptions } from '../../../src/get-or-set/get-or-set-options';

/** How a worker's factory ends: after a fixed time, or when the parent says so (to kill a holder mid-factory). */
export type FactoryBehaviour = { kind: 'sleep'; ms: number } | { kind: 'parent' };

/** Many concurrent cold callers of one key in one process. */
export interface CallerBurst {
  key: string;
  callers: number;
  /** Date.now() at which every process starts its callers: one message per process would arrive spread out. */
  startAt: number;
  factory: FactoryBehaviour;
  /** Key timeout in seconds. */
  timeout: number;
  options?: GetOrSetOptions;
}

/** What one process saw of a burst. */
export interface BurstOutcome {
  worker: number;
  /** Calls that resolved. */
  answered: number;
  /** Distinct rejections, as text. */
  errors: string[];
  /** Distinct values the callers got, as JSON. */
  values: string[];
  /** Factory invocations, counted by the factory itself. */
  factoryCalls: number;
  /** Change of getStats().getOrSet during the burst. */
  stats: { factoryCalls: number; fleetLockWaits: number };
  /** Date.now() of the first and the last answer. */
  firstAnswerAt: number;
  lastAnswerAt: number;
  /** Date.now() when the last call settled, answered or rejected. */
  lastSettledAt: number;
}

/** Parent to worker, over the IPC channel of `child_process.fork`, besides 'close' (test/helpers/worker-ipc.ts). */
export type CallerCommand =
  | { id: number; type: 'burst'; burst: CallerBurst }
  /** Ends the factory of `key` that waits for the parent ({ kind: 'parent' }). */
  | { type: 'finish-factory'; key: string };

/** Worker to parent, besides 'ready', 'closed' and 'failed'. `id` is that of the command answered. */
export type CallerReply =
  | { type: 'factory-started'; worker: number; key: string; at: number }
  | { id: number; type: 'burst-done'; outcome: BurstOutcome };
