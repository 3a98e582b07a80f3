import type { CacheManagerService } from '../../src';

/** Longer than a few heartbeats (every 500 ms): a bus not live by then will not become live. */
const BUS_LIVE_BOUND_MS = 5000;

/**
 * Resolves once the hybrid backend hears its bus. Until then it serves no L1 and fills
 * none, so a prefill or a warm-up run before it would leave L1 empty.
 */
export async function busLive(cache: CacheManagerService): Promise<void> {
  const started = Date.now();
  while (!cache.getBackendInfo().busLive) {
    if (Date.now() - started > BUS_LIVE_BOUND_MS)
      throw new Error(`the hybrid backend's bus was not live within ${BUS_LIVE_BOUND_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
