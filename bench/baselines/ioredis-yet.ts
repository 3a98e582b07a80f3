import { type Cache, type CacheManagerStore, createCache, KeyvAdapter } from 'cache-manager';
import { Keyv } from 'keyv';

/** The part of cache-manager-ioredis-yet 2.1.2 that the bench uses. */
interface IoredisYetModule {
  redisStore(options: {
    host: string;
    port: number;
  }): Promise<CacheManagerStore & { client: { quit(): Promise<unknown> } }>;
}

/**
 * cache-manager 7 on cache-manager-ioredis-yet, wired the way cache-manager's README
 * tells users of legacy stores: the store inside a KeyvAdapter inside Keyv. The package's
 * typings import types that cache-manager 7 no longer exports, so it is loaded untyped.
 */
export async function createIoredisYetCache(
  host: string,
  port: number,
): Promise<{ cache: Cache; close(): Promise<void> }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const yet = require('cache-manager-ioredis-yet') as IoredisYetModule;
  const store = await yet.redisStore({ host, port });
  const cache = createCache({ stores: [new Keyv({ store: new KeyvAdapter(store) })] });
  return {
    cache,
    close: async () => {
      await store.client.quit();
    },
  };
}
