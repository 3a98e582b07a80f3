/**
 * Nesting deeper than this is refused, on write and on read. Real cache values are a few
 * levels deep; the bound keeps every walk over a value (ours, and a caller's JSON.stringify)
 * far from the stack limit, whatever a foreign writer stored.
 */
export const MAX_NESTING = 100;

/**
 * What a read may spend, in heap bytes (estimated as it goes, see READ_COST), per byte of
 * pickle. One opcode byte can build an object of 100 to 300 heap bytes (an empty set is
 * the dearest), so a pickle of nothing but such opcodes would take hundreds of times its
 * length: 1 MB of EMPTY_SET took 416 MB and 4 s. It is refused past this instead. Values
 * Python writes take 3 to 20 heap bytes per pickle byte; JSON.parse of `[{},{},...]`
 * takes 21 per byte of JSON.
 */
export const READ_HEAP_PER_BYTE = 32;
/** On top of READ_HEAP_PER_BYTE: a value this small is never refused for being dense (about 25,000 empty dicts). */
export const READ_HEAP_ALLOWANCE = 8 * 1024 * 1024;

/**
 * A pickle may reference one object many times (its memo). Read back, each reference is
 * the same JS object, but anything that walks the value (JSON.stringify, the writer, a
 * copy) visits it once per reference: `pickle.dumps(['A'*50000]*50000)` is 150 KB and
 * 2.5 GB expanded. A value is refused once its expanded size (about the length of its
 * JSON text, see expandedSize) passes this many times CACHE_MAX_VALUE_BYTES.
 */
export const MAX_EXPANSION = 16;

/** What one read may spend and build. */
export interface ReadLimits {
  /** Expanded size past which a value is refused. */
  maxExpandedSize: number;
  /** Estimated heap bytes the read may build, given the pickle's length. */
  heapBudget(pickleLength: number): number;
}

/** The limits of a cache whose CACHE_MAX_VALUE_BYTES is `maxValueBytes`. */
export function readLimitsFor(maxValueBytes: number): ReadLimits {
  return {
    maxExpandedSize: MAX_EXPANSION * maxValueBytes,
    heapBudget: (length) => READ_HEAP_ALLOWANCE + READ_HEAP_PER_BYTE * length,
  };
}

/** CACHE_MAX_VALUE_BYTES' default (1 MiB), for reads outside a configured cache (tests, tools). */
export const DEFAULT_READ_LIMITS: ReadLimits = readLimitsFor(1024 * 1024);

/** For reading back what our own writer just wrote (a copy): no foreign input, nothing to bound. */
export const TRUSTED_READ_LIMITS: ReadLimits = {
  maxExpandedSize: Number.POSITIVE_INFINITY,
  heapBudget: () => Number.POSITIVE_INFINITY,
};

/**
 * Estimated heap bytes of what each opcode builds (measured on Node 20 with 1,000,000 of
 * each: the object, its slot in the parent, and what the reader keeps beside it).
 */
export const READ_COST = {
  list: 150,
  tuple: 150,
  dict: 300,
  set: 300,
  /** An item placed in a container (a Map or Set entry is dearer than an array slot). */
  item: 40,
  memo: 24,
  /** A str or int beside its characters or digits. */
  scalar: 24,
  /** A bytes value beside its bytes (a Buffer is a typed array object). */
  bytes: 250,
  /** A global, a timedelta, a timezone or a Date. */
  object: 120,
} as const;
