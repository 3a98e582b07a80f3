/** CACHE_MAX_VALUE_BYTES' default, for a format made outside a configured cache (tests, tools). */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

/**
 * Stored text longer than CACHE_MAX_VALUE_BYTES is refused before anything decodes it.
 * This process never writes such a value (encodeForStore refuses it), so one can only come
 * from another writer; decoding it first would let that writer choose what a read costs.
 */
export class ReadSizeLimit {
  constructor(
    private readonly maxValueBytes: number,
    private readonly byteLength: (text: string) => number,
    /** The most bytes one character can take: shorter texts skip counting. */
    private readonly maxBytesPerChar: number,
    private readonly onRefused: (reason: string) => void,
  ) {}

  /** True, and reported, when `text` (with `allowance` bytes of framing around the value) is too large to read. */
  exceeded(text: string, allowance = 0): boolean {
    const limit = this.maxValueBytes + allowance;
    // A character is at least one byte in either format: longer text is over without counting.
    if (text.length <= limit && (text.length * this.maxBytesPerChar <= limit || this.byteLength(text) <= limit))
      return false;
    this.onRefused(`a value larger than CACHE_MAX_VALUE_BYTES (${this.maxValueBytes})`);
    return true;
  }
}
