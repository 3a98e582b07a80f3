import type { ValueFormat } from './value-format';
import { CacheValueError } from '../errors/cache.errors';

/** The stored text of `value`; CacheValueError (TOO_LARGE) past CACHE_MAX_VALUE_BYTES. */
export function encodeForStore(value: unknown, maxValueBytes: number, format: ValueFormat): string {
  const text = format.encode(value);
  // Characters are a lower bound on bytes; only count bytes when it could matter.
  if (text.length * format.maxBytesPerChar > maxValueBytes) {
    const bytes = format.byteLength(text);
    if (bytes > maxValueBytes) {
      throw new CacheValueError(
        `value is ${bytes} bytes once encoded; the maximum is ${maxValueBytes} (CACHE_MAX_VALUE_BYTES)`,
        'TOO_LARGE',
      );
    }
  }
  return text;
}
