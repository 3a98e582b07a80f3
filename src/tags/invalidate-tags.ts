import { CacheValueError } from '../errors/cache.errors';
import type { GuardedStore } from '../resilience/guarded-store';
import type { TagVersions } from './tag-versions';

/**
 * Renews the versions of `tags`, so every entry stamped with an older one reads as a miss
 * (or stale, within getOrSet's grace), in every process; false if the backend could not be
 * reached (the recovery then removes the versions, which has the same effect once it can).
 */
export async function invalidateTags(
  guard: GuardedStore,
  versions: TagVersions,
  tags: readonly string[],
): Promise<boolean> {
  if (!Array.isArray(tags)) throw new CacheValueError('tags must be an array of strings', 'UNSUPPORTED_TYPE');
  if (tags.length === 0) return true;
  const renewed = versions.renewed(tags);
  const keys = renewed.map(([key]) => key);
  return guard.write(
    'invalidateTags',
    keys,
    (store) => store.setMany(renewed, null),
    keys,
    guard.batchBoundMs(keys.length),
  );
}
