import { encodeValue } from '../codec/value-codec';
import { CacheValueError } from './cache.errors';

/** The stored text of `value`; CacheValueError (TOO_LARGE) past CACHE_MAX_VALUE_BYTES. */
export function encodeForStore(value: unknown, maxValueBytes: number): string {
  const text = encodeValue(value);
  // Characters are a lower bound on bytes; only count bytes when it could matter.
  if (text.length * 3 > maxValueBytes) {
    const bytes = Buffer.byteLength(text);
    if (bytes > maxValueBytes) {
      throw new CacheValueError(`value is ${bytes} bytes once encoded; the maximum is ${maxValueBytes} (CACHE_MAX_VALUE_BYTES)`, 'TOO_LARGE');
    }
  }
  return text;
}
