import type { IdeaGraphCacheOptions } from '../../src';
import { parseCacheEnv } from '../../src/startup/cache-options';

/** Entries each process's L1 may hold: twice the keys the hybrid rows read, so nothing is evicted. */
export const L1_MAX_ENTRIES = 10_000;
/** Seconds an L1 entry lives: longer than the suite runs, so no L1 hit turns into an L2 read mid-round. */
export const L1_TIMEOUT_SECONDS = 600;

/**
 * The hybrid backend on the bench's Redis, configured through the environment variables a
 * deployment sets, so the bench reads the settings exactly as production does.
 */
export function hybridCacheOptions(port: number, extra: Record<string, string> = {}): IdeaGraphCacheOptions {
  return parseCacheEnv({
    CACHE_BACKEND: 'hybrid',
    REDIS_HOST: '127.0.0.1',
    REDIS_PORT: String(port),
    CACHE_L1_MAX_ENTRIES: String(L1_MAX_ENTRIES),
    CACHE_L1_TIMEOUT: String(L1_TIMEOUT_SECONDS),
    ...extra,
  });
}
