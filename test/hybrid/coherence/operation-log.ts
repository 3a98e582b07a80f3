/** What a worker did, one record per cache call, as the coherence checker reads it. */
export type OperationKind = 'get' | 'set' | 'delete' | 'incr' | 'add' | 'clear';

export interface OperationRecord {
  worker: number;
  kind: OperationKind;
  /** Absent for clear, which changes every key. */
  key?: string;
  /**
   * Microseconds of CLOCK_MONOTONIC (`process.hrtime.bigint()`), which every process on
   * one machine reads alike, so records of different workers can be ordered.
   */
  issuedUs: number;
  ackedUs: number;
  /**
   * JSON text of the value: what a set or add wrote, what an incr returned, what a get
   * found. Absent for a miss, an incr that found nothing, a delete and a clear.
   */
  value?: string;
  /**
   * The backend confirmed the write: set, add and clear answered true, incr answered a
   * number, delete answered (true, or false in a burst without backend faults). A write
   * that was not confirmed may or may not have happened, so the checker ignores it.
   */
  acknowledged: boolean;
  /** What the call threw, if it threw: the cache API never should. */
  error?: string;
}

export interface BurstOutcome {
  records: OperationRecord[];
  unhandledRejections: number;
  /** Backend faults the cache counted during the burst (errors, timeouts, short circuits). */
  backendFaults: number;
}

/** A worker's reading of every key: JSON text of each value, absent keys left out. */
export type KeyReadings = Record<string, string>;

/** The current time as the records keep it. */
export function monotonicNowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
