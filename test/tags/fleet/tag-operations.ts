import type { CacheManagerService } from '../../../src/service/cache-manager.service';
import type { Readings, ReadOutcome, ReadVia } from './tag-fleet-protocol';
import type { TaggedWrite } from './tagged-workload';

/** Writes each group through its own path; one result per write call (getOrSet: its answer is the value it was given). */
export async function writeAll(cache: CacheManagerService, writes: TaggedWrite[], timeout: number): Promise<boolean[]> {
  const results: boolean[] = [];
  for (const write of writes) {
    const options = write.tags.length > 0 ? { tags: write.tags } : undefined;
    const entries = Object.entries(write.entries);
    if (write.via === 'setMany') results.push(await cache.setMany(write.entries, timeout, options));
    for (const [key, value] of entries) {
      if (write.via === 'set') results.push(await cache.set(key, value, timeout, options));
      if (write.via === 'getOrSet')
        results.push(
          JSON.stringify(await cache.getOrSet(key, () => value, timeout, options)) === JSON.stringify(value),
        );
    }
  }
  return results;
}

/**
 * Reads `keys` one way. getOrSet's factory records that it ran and throws: a result it
 * stored would be found by the next process's check, which must find what this one did.
 */
export async function readAll(cache: CacheManagerService, keys: string[], via: ReadVia): Promise<ReadOutcome> {
  const before = cache.getStats().tiers;
  const readings: Readings = {};
  const factoryRuns: string[] = [];
  if (via === 'getMany') {
    for (const [key, value] of Object.entries(await cache.getMany(keys))) readings[key] = JSON.stringify(value);
  } else {
    for (const key of keys) {
      const value = via === 'get' ? await cache.get(key) : await getOrSetWithoutStoring(cache, key, factoryRuns);
      if (value !== undefined) readings[key] = JSON.stringify(value);
    }
  }
  const after = cache.getStats().tiers;
  const tiers =
    before && after ? { l1Hits: after.l1Hits - before.l1Hits, l2Hits: after.l2Hits - before.l2Hits } : undefined;
  return { readings, factoryRuns, ...(tiers ? { tiers } : {}) };
}

async function getOrSetWithoutStoring(
  cache: CacheManagerService,
  key: string,
  factoryRuns: string[],
): Promise<unknown> {
  try {
    return await cache.getOrSet(
      key,
      () => {
        factoryRuns.push(key);
        throw new Error('the check stores nothing');
      },
      60,
    );
  } catch (error) {
    if (factoryRuns.at(-1) !== key) throw error;
    return undefined;
  }
}

/** getOrSet of each key with a factory that names this process: the entries are written again, under the tags' new versions. */
export async function recompute(
  cache: CacheManagerService,
  worker: number,
  keys: string[],
  tags: string[],
  timeout: number,
): Promise<Readings> {
  const values: Readings = {};
  for (const key of keys)
    values[key] = JSON.stringify(await cache.getOrSet(key, () => ({ key, recomputedBy: worker }), timeout, { tags }));
  return values;
}
