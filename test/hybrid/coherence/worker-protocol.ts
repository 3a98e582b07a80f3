import type { BurstRequest } from './burst-request';
import type { BurstOutcome, KeyReadings } from './operation-log';

/** Parent to worker, over the IPC channel of `child_process.fork`, besides 'close' (test/helpers/worker-ipc.ts). */
export type WorkerCommand =
  | { id: number; type: 'burst'; request: BurstRequest }
  /** Ends the running burst early; its 'burst-done' answers. */
  | { id: number; type: 'halt' }
  /** Reads every key through the cache. */
  | { id: number; type: 'read-all'; keys: string[] }
  /** Clears the cache (and so, through the bus, every L1 of the fleet): the next test starts from nothing. */
  | { id: number; type: 'clear' };

/** Worker to parent, besides 'ready', 'closed' and 'failed'. `id` is that of the command answered. */
export type WorkerReply =
  | { id: number; type: 'burst-done'; outcome: BurstOutcome }
  | { id: number; type: 'readings'; readings: KeyReadings }
  | { id: number; type: 'halted' }
  | { id: number; type: 'cleared'; cleared: boolean };
