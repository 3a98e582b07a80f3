import type { IdeaGraphCacheOptions } from './cache-options';
import { MAX_KEY_LENGTH, makeKeyPrefix } from '../keys/cache-key';

/** The two limits of an in-process store; both hold at all times. */
export interface LocmemBounds {
  maxEntries: number;
  /** Upper bound of the accounted size of all entries, see entryBytes. */
  maxBytes: number;
}

/**
 * 64 MiB, not 128: V8 gives its old space a quarter of the memory Node sees (a container's
 * cgroup limit included), so 128 MiB in a 512 MiB container; a 128 MiB cache could take
 * all of it. The accounting is an upper bound, and ASCII JSON really takes half of it, so
 * 64 MiB is at most half of that heap and usually a quarter. It still holds the default
 * 10,000 entries at an average of 3 KiB of text each, or 32 values of the 1 MiB maximum.
 */
export const DEFAULT_LOCMEM_MAX_BYTES = 64 * 1024 * 1024;

/**
 * What an entry costs besides its characters: the Map slot, two string headers and
 * lru-cache's per-entry arrays. Measured on Node 20: 200,000 entries of a 10-character key
 * and a 1-6 digit value took 165 heap bytes each, about 150 of them overhead. Without it,
 * many tiny entries would take far more memory than they are accounted for.
 */
export const ENTRY_OVERHEAD_BYTES = 150;

/**
 * The accounted size of one entry. V8 keeps a string in one byte per character when it
 * can and two otherwise, so 2 bytes per UTF-16 code unit is the most its characters can
 * take: the bound holds whatever the text. O(1), unlike a UTF-8 byte count.
 */
export function entryBytes(key: string, value: string): number {
  return 2 * (key.length + value.length) + ENTRY_OVERHEAD_BYTES;
}

/**
 * Startup rule: every value the service accepts (up to maxValueBytes UTF-8 bytes, so at
 * most that many code units) under the longest key it accepts must fit in the byte bound
 * of an in-process store, or a valid set would be dropped at once (on hybrid: never held
 * in L1). locmem and hybrid's L1 keep values in the process.
 */
export function locmemBoundProblems(options: IdeaGraphCacheOptions): string[] {
  const bound =
    options.backend === 'locmem'
      ? { env: 'CACHE_MAX_BYTES (maxBytes)', bytes: options.maxBytes, name: 'locmem' }
      : options.backend === 'hybrid'
        ? { env: 'CACHE_L1_MAX_BYTES (l1.maxBytes)', bytes: options.l1.maxBytes, name: 'the L1 of hybrid' }
        : undefined;
  if (!bound) return [];
  const longestKey = makeKeyPrefix(options.keyPrefix, options.version).length + MAX_KEY_LENGTH;
  const needed = 2 * (longestKey + options.maxValueBytes) + ENTRY_OVERHEAD_BYTES;
  if (needed <= bound.bytes) return [];
  const variable = bound.env.split(' ')[0];
  return [
    `CACHE_MAX_VALUE_BYTES (maxValueBytes)=${options.maxValueBytes} does not fit in ${bound.env}=${bound.bytes}: ` +
      `${bound.name} counts up to 2 bytes per character, so the largest value under the longest key takes ${needed} bytes; ` +
      `set ${variable} to at least ${needed} or lower CACHE_MAX_VALUE_BYTES`,
  ];
}
