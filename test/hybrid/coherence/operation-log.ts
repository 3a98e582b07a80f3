/** What a worker did, one record per cache call and key, as the coherence checker reads it. */
export type OperationKind = 'get' | 'set' | 'delete' | 'incr' | 'add' | 'clear' | 'invalidateTags';

/** The call a record came from, for the figures: a batch call leaves one record per key. */
export type OperationVia = 'getMany' | 'setMany' | 'deleteMany' | 'getOrSet' | 'getOrSetMany' | 'tick' | 'expiry';

export interface OperationRecord {
  worker: number;
  kind: OperationKind;
  /** Absent for clear and invalidateTags, which change many keys. */
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
  /** What the call threw, if it threw and should not have: the cache API never does but for a factory's own failure. */
  error?: string;
  /** A getOrSet whose factory failed or timed out, as asked: not a fault of the cache. */
  expectedError?: string;
  via?: OperationVia;
  /**
   * The worker's call order, for writes issued straight by the caller (set, add, delete,
   * incr and their batches): a later call of the same worker on the same key must win over
   * an earlier one, even when both were in flight at once (issued in one tick).
   */
  seq?: number;
  /** A write with a timeout: Redis drops its value at the latest then (ack + timeout). */
  expiresUs?: number;
  /** Tags of the written value; invalidateTags: the tags invalidated. */
  tags?: string[];
  /**
   * For a tagged value a factory produced: when the factory was called. Its tags' versions
   * must have been read before, so an invalidation issued after this supersedes the value.
   */
  snapshotUs?: number;
}

export interface BurstOutcome {
  records: OperationRecord[];
  unhandledRejections: number;
  /** Backend faults the cache counted during the burst (errors, timeouts, short circuits). */
  backendFaults: number;
  /** getOrSet / getOrSetMany calls not settled within their hardTimeoutMs and the allowance: hung callers. */
  overdue: OverdueCall[];
  /** Calls per kind of call (a batch counts once). */
  calls: Record<string, number>;
}

export interface OverdueCall {
  worker: number;
  call: string;
  keys: string[];
  hardTimeoutMs: number;
  /** How long it had been pending when the runner stopped waiting. */
  pendingMs: number;
}

/** A worker's reading of every key: JSON text of each value, absent keys left out. */
export type KeyReadings = Record<string, string>;

/** The current time as the records keep it. */
export function monotonicNowUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
