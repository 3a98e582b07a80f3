import type { Cluster, Redis } from 'ioredis';
import { createValueFormat } from '../../../src/codec/create-value-format';
import { NOT_STORABLE } from '../../../src/codec/value-codec';
import { isFresh, readStoredText } from '../../../src/get-or-set/stored-entry';
import type { KeyReadings } from './operation-log';

const JSON_FORMAT = createValueFormat('json');
/** Where a tag's version lives under the cache's `prefix:version:` (src/tags/tag-versions.ts). */
const TAG_KEY_PREFIX = '~tag:';

/**
 * What Redis itself holds for `keys` under `storePrefix` (`prefix:version:`), read by the
 * test's own client, in the JSON text form the workers report. An entry with metadata
 * counts as held while it is fresh and every tag's version still matches the one it was
 * written with, as the cache reads it. One GET per key: a cluster client refuses a
 * multi-key command across slots.
 */
export async function readStoredValues(
  client: Redis | Cluster,
  storePrefix: string,
  keys: string[],
): Promise<KeyReadings> {
  const texts = await Promise.all(keys.map((key) => client.get(storePrefix + key)));
  const entries = keys.map((key, i) => {
    const text = texts[i];
    return text === null ? NOT_STORABLE : readStoredText<unknown>(text, JSON_FORMAT);
  });
  const tags = [
    ...new Set(entries.flatMap((entry) => (entry === NOT_STORABLE ? [] : Object.keys(entry.meta?.tags ?? {})))),
  ];
  const versions = new Map(
    await Promise.all(tags.map(async (tag) => [tag, await client.get(storePrefix + TAG_KEY_PREFIX + tag)] as const)),
  );
  const stored: KeyReadings = {};
  keys.forEach((key, i) => {
    const entry = entries[i];
    if (entry === NOT_STORABLE || !isFresh(entry.meta)) return;
    if (Object.entries(entry.meta?.tags ?? {}).some(([tag, version]) => versions.get(tag) !== version)) return;
    stored[key] = JSON.stringify(entry.value);
  });
  return stored;
}
