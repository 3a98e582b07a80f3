import type { CacheManagerService } from '../../src';

/**
 * Times the hybrid backend lost the path that keeps its L1 coherent, each an L1 emptied and
 * reads sent to Redis meanwhile. Only the path in force counts: with tracking in force, a
 * lost bus leaves L1 served, since Redis reports every change itself.
 */
export function l1PathOutages(cache: CacheManagerService): number {
  const bus = cache.getStats().tiers?.bus;
  return (bus?.mode === 'tracking' ? bus.tracking?.outages : bus?.outages) ?? 0;
}
