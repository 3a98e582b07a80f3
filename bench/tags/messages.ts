import type { InFlightLoad } from '../support/in-flight-batches';
import type { RoundSettings } from '../support/rounds';

/** Keys the measured gets cycle over (never tagged, in either process), and the entries held besides them. */
export const READ_KEYS = 2000;
export const OTHER_KEYS = 2000;

/** The backends every tag-use process runs side by side; each measurement names one. */
export type TagUseBackend = 'locmem' | 'redis';

export type TagUseCommand =
  /** One round of untagged gets on `backend`, measured in the process. */
  | { type: 'measure'; backend: TagUseBackend; load: InFlightLoad; rounds: Pick<RoundSettings, 'timeMs' | 'warmupMs'> }
  | { type: 'close' };

export type TagUseReply =
  | { type: 'ready' }
  /** Per get: wall milliseconds and the process's CPU microseconds; gets that missed, and the backend faults behind them. */
  | { type: 'measured'; msPerOp: number; cpuUsPerOp: number; wrong: number; faults?: string };
