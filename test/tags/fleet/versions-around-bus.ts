import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { versionKey } from './stored-texts';

/**
 * What invalidateTags stores, new versions for `tags`, written by a plain client: Redis
 * holds the invalidation, but no bus message tells any L1. Versions are JSON strings, as
 * the cache stores them.
 */
export async function renewVersionsAroundBus(
  client: Redis | Cluster,
  storePrefix: string,
  tags: string[],
): Promise<void> {
  await Promise.all(
    tags.map((tag) => client.set(versionKey(storePrefix, tag), JSON.stringify(randomBytes(9).toString('base64url')))),
  );
}
