/**
 * What a failed write leaves to make good: the store keys it meant to change, a scoped
 * clear (a failed `clear()`), or an owned key. The remedy is always a delete: a miss is
 * safe in a cache, and a delete is correct whatever the failed write would have stored.
 */
export type WriteRepair = string | readonly string[] | { readonly clearPrefix: string } | OwnedWrite;

/**
 * A write that only stores when the key is free (`add`, and so every lock): if it failed,
 * the only value it can have left is its own, landed late; any other value was written by
 * someone else and is theirs, a live lock perhaps. So its repair is a compare-and-delete of
 * its own value, never a delete of the key.
 */
export interface OwnedWrite {
  readonly ownedKey: string;
  readonly value: string;
}

/** The store keys a repair names (none for a scoped clear). */
export function repairKeys(repair: WriteRepair): readonly string[] {
  if (typeof repair === 'string') return [repair];
  if ('clearPrefix' in repair) return [];
  if ('ownedKey' in repair) return [repair.ownedKey];
  return repair;
}
