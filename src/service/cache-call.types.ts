/**
 * What getOrSet resolves for a factory of `T`: a factory that may return undefined (a row
 * not found) has its undefined stored, and answered, as null, as Django's get_or_set stores
 * None; JSON and pickle have no undefined. `unknown` and `any` stay as they are.
 */
export type CachedResult<T> = unknown extends T ? T : undefined extends T ? Exclude<T, undefined> | null : T;

/** What set and setMany take after the timeout. */
export interface WriteOptions {
  /** Tags of the entry: `invalidateTags` makes every entry carrying one of them a miss, everywhere. */
  tags?: readonly string[];
}

/** The service's own counts, reported by getStats(). */
export interface ServiceCounters {
  hits: number;
  misses: number;
  sets: number;
  deletes: number;
  keylessCalls: number;
}
