import type { NOT_STORABLE } from './value-codec';

/**
 * How values become the text a store keeps, and back: the one place CACHE_VALUE_FORMAT
 * is decided. The service and getOrSet's entries hold one of these, chosen once.
 */
export interface ValueFormat {
  /** The stored text of `value`; CacheValueError for a value the format cannot hold. */
  encode(value: unknown): string;
  /**
   * The value of stored text, or NOT_STORABLE (read as a miss) for text the format does
   * not read, text longer than CACHE_MAX_VALUE_BYTES included (refused before decoding).
   */
  decode<T = unknown>(text: string): T | typeof NOT_STORABLE;
  /** True (and reported as a refusal) for stored text too long to read, with `allowance` bytes of framing (an entry's header) around the value. */
  readSizeExceeded(text: string, allowance?: number): boolean;
  /** What a later read of `value` gives: a caller never shares an object with the cache. */
  copy<T>(value: T): T;
  /** Bytes the backend stores for `text`. */
  byteLength(text: string): number;
  /** The most bytes one character of stored text can take, so short texts skip counting. */
  readonly maxBytesPerChar: number;
  /** Stored text is bytes, one character per byte (latin1): whatever is put around it must stay within U+00FF. */
  readonly binary: boolean;
}
