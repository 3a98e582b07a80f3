import type { IdeaGraphCacheOptions } from '../../src';
import { defaultCacheOptions } from '../../src/config/cache-defaults';
import { resolveCacheOptions } from '../../src/startup/cache-options';
import { createBentoCache } from '../baselines/bentocache';
import { busLive } from '../support/bus-live';
import { startCacheContext } from '../support/cache-app';
import { hybridCacheOptions, L1_MAX_ENTRIES } from '../support/hybrid-options';
import { l1PathOutages } from '../support/l1-path-outages';
import type { ProbeCacheKind } from './messages';

const HOST = '127.0.0.1';

/**
 * The settings of the kinds that force one invalidation path. Each has its own key prefix:
 * tracking reports every change under the prefix it tracks, and the other caches' writes in
 * the same processes are no part of what these kinds measure.
 */
const FORCED_PATH: Partial<Record<ProbeCacheKind, Record<string, string>>> = {
  'hybrid-tracking': { CACHE_L1_INVALIDATION: 'tracking', CACHE_KEY_PREFIX: 'probe-tracking' },
  'hybrid-bus': { CACHE_L1_INVALIDATION: 'bus', CACHE_KEY_PREFIX: 'probe-bus' },
};

/** The three calls a probe process makes, whichever cache it runs. */
export interface ProbeCache {
  get(key: string): Promise<unknown>;
  /** True once the write is acknowledged. */
  set(key: string, value: unknown): Promise<boolean>;
  /** Times the cache stopped trusting its L1 because the path that keeps it coherent (bus or tracking) was lost (the hybrid backend only). */
  busOutages(): number;
  close(): Promise<void>;
}

/** The module's options for a kind (not BentoCache): what a foreign writer needs to know where the module keeps a key. */
export function probeCacheOptions(kind: Exclude<ProbeCacheKind, 'bentocache'>, port: number): IdeaGraphCacheOptions {
  if (kind === 'redis') return resolveCacheOptions({ backend: 'redis', redis: { host: HOST, port } });
  const forced = FORCED_PATH[kind];
  if (!forced) return hybridCacheOptions(port);
  const { timeoutSeconds } = defaultCacheOptions().l1;
  return hybridCacheOptions(port, { ...forced, CACHE_L1_TIMEOUT: String(timeoutSeconds) });
}

export async function openProbeCache(kind: ProbeCacheKind, port: number): Promise<ProbeCache> {
  if (kind !== 'bentocache') {
    const { cache, context } = await startCacheContext(probeCacheOptions(kind, port));
    if (kind !== 'redis') await busLive(cache);
    const asked = FORCED_PATH[kind]?.CACHE_L1_INVALIDATION;
    const mode = cache.getBackendInfo().l1Invalidation;
    if (asked && mode !== asked) throw new Error(`probe cache ${kind}: L1 kept coherent by ${mode}, not ${asked}`);
    return {
      get: (key) => cache.get(key),
      set: (key, value) => cache.set(key, value),
      busOutages: () => l1PathOutages(cache),
      close: () => context.close(),
    };
  }
  const bento = createBentoCache(HOST, port, L1_MAX_ENTRIES);
  return {
    get: (key) => bento.get({ key }),
    set: (key, value) => bento.set({ key, value }),
    busOutages: () => 0,
    close: () => bento.disconnectAll(),
  };
}
