/**
 * Most keys in one MGET, MSET or DEL. Redis runs one command to completion before it
 * serves any other client, so a single MGET of 100k keys held every other caller for all
 * of it (eight concurrent ones made single calls take 442 ms). Split into commands of
 * 1000 keys, other clients' commands run between the pieces. 1000 keys of small values
 * take Redis well under a millisecond, and the per-command overhead stays negligible next
 * to the keys.
 */
export const MAX_KEYS_PER_COMMAND = 1000;

/** `items` in order, in pieces of at most `size`; the array itself when it is small enough. */
export function chunked<T>(items: T[], size = MAX_KEYS_PER_COMMAND): T[][] {
  if (items.length <= size) return [items];
  const pieces: T[][] = [];
  for (let start = 0; start < items.length; start += size) pieces.push(items.slice(start, start + size));
  return pieces;
}
