import type { ValueFormat } from './value-format';
import { ReadSizeLimit } from './read-size';
import { decodeStoredText, decodeValue, encodeValue, NOT_STORABLE } from './value-codec';

/** UTF-8 takes at most 3 bytes per UTF-16 code unit. */
const MAX_BYTES_PER_CHAR = 3;
const byteLength = (text: string): number => Buffer.byteLength(text);

/** CACHE_VALUE_FORMAT=json, the default: plain JSON where exact, tagged JSON otherwise (value-codec.ts). */
export function jsonValueFormat(maxValueBytes: number, onRefused: (reason: string) => void): ValueFormat {
  const size = new ReadSizeLimit(maxValueBytes, byteLength, MAX_BYTES_PER_CHAR, onRefused);
  return {
    encode: encodeValue,
    decode: <T>(text: string): T | typeof NOT_STORABLE =>
      size.exceeded(text) ? NOT_STORABLE : decodeStoredText<T>(text),
    readSizeExceeded: (text, allowance) => size.exceeded(text, allowance),
    copy: <T>(value: T): T => decodeValue<T>(encodeValue(value)),
    byteLength,
    maxBytesPerChar: MAX_BYTES_PER_CHAR,
    binary: false,
  };
}
