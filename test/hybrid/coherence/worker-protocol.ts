import type { BurstRequest } from './burst-request';
import type { BurstOutcome, KeyReadings } from './operation-log';

/** Parent to worker, over the IPC channel of `child_process.fork`. */
export type WorkerCommand =
  | { id: number; type: 'burst'; request: BurstRequest }
  /** Ends the running burst early; its 'burst-done' answers. */
  | { id: number; type: 'halt' }
  /** Reads every key through the cache, one get after another. */
  | { id: number; type: 'read-all'; keys: string[] }
  | { id: number; type: 'close' };

/** Worker to parent. `id` is that of the command answered. */
export type WorkerReply =
  | { type: 'ready' }
  | { type: 'startup-failed'; error: string }
  | { id: number; type: 'burst-done'; outcome: BurstOutcome }
  | { id: number; type: 'readings'; readings: KeyReadings }
  | { id: number; type: 'halted' }
  | { id: number; type: 'closed' }
  | { id: number; type: 'failed'; error: string };

/** How the parent tells the worker who it is and how to configure its cache. */
export const WORKER_ENV_VARIABLE = 'COHERENCE_WORKER_ENV';
export const WORKER_INDEX_VARIABLE = 'COHERENCE_WORKER_INDEX';
