import { usesRedis } from '../config/backend-kinds';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import type { GetOrSetCounters } from '../get-or-set/get-or-set-ports';
import type { GuardedStore } from '../resilience/guarded-store';
import type { CacheBackendInfo } from './cache-backend-info';
import type { ServiceCounters } from './cache-call.types';
import type { CacheStats } from './cache-stats';

/** getStats(): the service's counters with the guard's, the breaker, recovery, getOrSet, the tiers and latencies. */
export function cacheStats(
  options: IdeaGraphCacheOptions,
  counters: ServiceCounters,
  guard: GuardedStore,
  getOrSet: GetOrSetCounters,
): CacheStats {
  return {
    backend: options.backend,
    ...counters,
    ...guard.counters,
    breakerState: guard.breakerState,
    recovery: guard.recoveryStats,
    getOrSet: { ...getOrSet },
    ...(guard.store.tierStats ? { tiers: guard.store.tierStats() } : {}),
    latency: guard.latencies.summaries(),
  };
}

/** getBackendInfo(): which backend is in use and how it is addressed; never a password. */
export function backendInfo(options: IdeaGraphCacheOptions, guard: GuardedStore): CacheBackendInfo {
  const details = guard.store.describe();
  return {
    backend: options.backend,
    backendClass: String(details.backendClass),
    // The store knows the address REDIS_URL resolved to, the mode and the nodes; none of it is a secret.
    ...(usesRedis(options.backend) ? pick(details, (name) => name.startsWith('redis')) : {}),
    ...(options.backend === 'hybrid'
      ? pick(details, (name) => name === 'tiers' || name.startsWith('l1') || name.startsWith('bus'))
      : {}),
    keyPrefix: options.keyPrefix,
    version: options.version,
    defaultTimeout: options.defaultTimeout,
  };
}

function pick(details: Record<string, unknown>, wanted: (name: string) => boolean): Record<string, unknown> {
  return Object.fromEntries(Object.entries(details).filter(([name]) => wanted(name)));
}
