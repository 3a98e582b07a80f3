import { type Cache, createCache } from 'cache-manager';

/** cache-manager 7 with no store given: Keyv's in-memory Map, which hands out the stored object itself. */
export function createMemoryCache(): Cache {
  return createCache();
}
