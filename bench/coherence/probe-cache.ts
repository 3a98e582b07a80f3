import { createBentoCache } from '../baselines/bentocache';
import { busLive } from '../support/bus-live';
import { startCacheContext } from '../support/cache-app';
import { hybridCacheOptions, L1_MAX_ENTRIES } from '../support/hybrid-options';
import type { ProbeCacheKind } from './messages';

const HOST = '127.0.0.1';

/** The three calls a probe process makes, whichever cache it runs. */
export interface ProbeCache {
  get(key: string): Promise<unknown>;
  /** True once the write is acknowledged. */
  set(key: string, value: unknown): Promise<boolean>;
  /** Times the cache stopped trusting its L1 because it no longer heard its bus (the hybrid backend only). */
  busOutages(): number;
  close(): Promise<void>;
}

export async function openProbeCache(kind: ProbeCacheKind, port: number): Promise<ProbeCache> {
  if (kind !== 'bentocache') {
    const options =
      kind === 'hybrid' ? hybridCacheOptions(port) : { backend: 'redis' as const, redis: { host: HOST, port } };
    const { cache, context } = await startCacheContext(options);
    if (kind === 'hybrid') await busLive(cache);
    return {
      get: (key) => cache.get(key),
      set: (key, value) => cache.set(key, value),
      busOutages: () => cache.getStats().tiers?.bus.outages ?? 0,
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
