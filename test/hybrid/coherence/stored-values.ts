import type { Cluster, Redis } from 'ioredis';
import { decodeStoredText, NOT_STORABLE } from '../../../src/codec/value-codec';
import type { KeyReadings } from './operation-log';

/**
 * What Redis itself holds for `keys` under `storePrefix` (`prefix:version:`), read by the
 * test's own client, in the JSON text form the workers report. One GET per key: a
 * cluster client refuses a multi-key command across slots.
 */
export async function readStoredValues(client: Redis | Cluster, storePrefix: string, keys: string[]): Promise<KeyReadings> {
  const texts = await Promise.all(keys.map((key) => client.get(storePrefix + key)));
  const stored: KeyReadings = {};
  keys.forEach((key, i) => {
    const text = texts[i];
    if (text === null) return;
    const value = decodeStoredText(text);
    if (value !== NOT_STORABLE) stored[key] = JSON.stringify(value);
  });
  return stored;
}
