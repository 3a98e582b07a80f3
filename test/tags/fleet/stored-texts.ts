import type { Cluster, Redis } from 'ioredis';

/** Where the cache keeps a tag's version (src/tags/tag-versions.ts): `<prefix>:<version>:~tag:<tag>`. */
export function versionKey(storePrefix: string, tag: string): string {
  return `${storePrefix}~tag:${tag}`;
}

/**
 * The texts Redis holds under `storeKeys`, read by the test's own client (null: absent).
 * One GET per key: a cluster client refuses a multi-key command across slots.
 */
export async function readStoredTexts(
  client: Redis | Cluster,
  storeKeys: string[],
): Promise<Record<string, string | null>> {
  const texts = await Promise.all(storeKeys.map((key) => client.get(key)));
  return Object.fromEntries(storeKeys.map((key, i) => [key, texts[i]]));
}
