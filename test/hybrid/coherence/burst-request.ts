import type { KeySpace, OperationMix } from './workload';

/** What the parent asks one worker to do in a burst. */
export interface BurstRequest {
  /** Seeds the choice of operations and keys: the same seed replays the same burst. */
  seed: number;
  operations: number;
  /** Operations per second this worker aims at; slower if the cache is slower. */
  ratePerSecond: number;
  /** Calls in flight at once, so that one worker's own calls interleave too. */
  lanes: number;
  mix: OperationMix;
  keys: KeySpace;
}
