import type { ValueFormat } from './value-format';
import { decodeStoredText, decodeValue, encodeValue } from './value-codec';

/** CACHE_VALUE_FORMAT=json, the default: plain JSON where exact, tagged JSON otherwise (value-codec.ts). */
export const JSON_VALUE_FORMAT: ValueFormat = {
  encode: encodeValue,
  decode: decodeStoredText,
  copy: <T>(value: T): T => decodeValue<T>(encodeValue(value)),
  byteLength: (text) => Buffer.byteLength(text),
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  maxBytesPerChar: 3,
  binary: false,
};
