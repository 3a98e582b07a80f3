/** Every cache key GraphTokenService uses, all derived from GRAPH_TOKEN_CACHE_KEY. */
export interface GraphCacheKeys {
  /** The shared token entry. */
  token: string;
  /** The fleet lock whose holder fetches for everyone. */
  lock: string;
  /** Where a lock holder leaves its failure for the processes that waited for it. */
  failure: string;
}

/** Suffixes of the derived keys; the startup check needs the longest of them. */
export const DERIVED_KEY_SUFFIXES = [':lock', ':failure'] as const;

export function graphCacheKeys(cacheKey: string): GraphCacheKeys {
  return { token: cacheKey, lock: `${cacheKey}:lock`, failure: `${cacheKey}:failure` };
}
