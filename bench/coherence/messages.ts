/**
 * The caches every probe process runs side by side; each command names one. `hybrid` runs
 * the bench's settings (CACHE_L1_INVALIDATION=auto); `hybrid-tracking` and `hybrid-bus` force
 * one path each and keep CACHE_L1_TIMEOUT at its default.
 */
export type ProbeCacheKind = 'hybrid' | 'hybrid-tracking' | 'hybrid-bus' | 'redis' | 'bentocache';

/**
 * What the bench tells a probe process. Times travel as decimal text of
 * process.hrtime.bigint(): CLOCK_MONOTONIC, one clock for every process on the machine.
 */
export type ProbeCommand =
  /** Read `key` until it holds `version`, then say when; give up after `boundMs` (2 s if unset). */
  | { type: 'watch'; cache: ProbeCacheKind; key: string; version: number; boundMs?: number }
  /** Write `version` to `key` and say when the write was acknowledged. */
  | { type: 'write'; cache: ProbeCacheKind; key: string; version: number }
  /** Start background writes at this rate. */
  | { type: 'load'; cache: ProbeCacheKind; writesPerSecond: number }
  | { type: 'unload' }
  /** Say how often the cache lost its bus so far. */
  | { type: 'report'; cache: ProbeCacheKind }
  | { type: 'close' };

export type ProbeReply =
  | { type: 'ready' }
  /** The old value is in L1 and the process is reading it in a loop. */
  | { type: 'watching' }
  /** `at` is null when the new version did not show within the bound. */
  | { type: 'seen'; at: string | null }
  | { type: 'written'; at: string; ok: boolean }
  | { type: 'unloaded'; writes: number; failed: number; seconds: number }
  | { type: 'report'; busOutages: number };

/** The value a probe writes: a version to wait for, inside a payload of the usual size. */
export interface ProbeValue {
  version: number;
  body: Record<string, unknown>;
}
