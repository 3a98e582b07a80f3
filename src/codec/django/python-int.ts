import { refuse } from './pickle-refusal';

/**
 * Python ints have no size limit; JS numbers are exact only up to 2^53. An int read back is
 * a number when it is a safe integer and a BigInt beyond, so no digit is ever lost.
 */
export function fromPythonInt(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

/**
 * LONG1/LONG4 payload: two's complement, little-endian, in the fewest bytes that keep the
 * sign (CPython's encode_long, byte for byte: the pickles compare equal as stored).
 */
export function encodeLong(value: bigint): Buffer {
  if (value === 0n) return Buffer.alloc(0);
  const magnitude = value < 0n ? -value : value;
  const bitLength = magnitude.toString(2).length;
  let size = (bitLength >> 3) + 1;
  let unsigned = value < 0n ? (1n << BigInt(size * 8)) + value : value;
  let bytes = bigintToLittleEndian(unsigned, size);
  // CPython drops a redundant 0xff sign byte of a negative number.
  if (value < 0n && size > 1 && bytes[size - 1] === 0xff && (bytes[size - 2] & 0x80) !== 0) {
    size--;
    unsigned = (1n << BigInt(size * 8)) + value;
    bytes = bigintToLittleEndian(unsigned, size);
  }
  return bytes;
}

export function decodeLong(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  const hex = Buffer.from(bytes).reverse().toString('hex');
  const unsigned = BigInt(`0x${hex}`);
  const negative = (bytes[bytes.length - 1] & 0x80) !== 0;
  return negative ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
}

function bigintToLittleEndian(unsigned: bigint, size: number): Buffer {
  const hex = unsigned.toString(16).padStart(size * 2, '0');
  return Buffer.from(hex, 'hex').reverse();
}

/**
 * Python refuses to turn text of more digits than this into an int (sys.int_info's
 * default_max_str_digits, since 3.11): Django's int(data) would fail on it, so longer
 * integers are pickled instead of stored as decimal text.
 */
export const PYTHON_MAX_STR_DIGITS = 4300;

// What Python's int() accepts for bytes in base 10: ASCII whitespace around, one sign,
// digits with single underscores between them.
const PYTHON_INT_TEXT = /^[ \t\n\v\f\r]*([+-]?)(\d+(?:_\d+)*)[ \t\n\v\f\r]*$/;

/** The int Django's `int(data)` reads from stored text, or undefined when it would fail. */
export function parsePythonIntText(text: string): number | bigint | undefined {
  const match = PYTHON_INT_TEXT.exec(text);
  if (!match) return undefined;
  const digits = match[2].replace(/_/g, '');
  if (digits.length > PYTHON_MAX_STR_DIGITS) return undefined;
  return fromPythonInt(BigInt(match[1] === '-' ? `-${digits}` : digits));
}

/** A float's 8 bytes, as BINFLOAT carries them (big-endian IEEE 754). */
export function readBinFloat(bytes: Uint8Array, at: number): number {
  if (at + 8 > bytes.length) refuse('truncated');
  return new DataView(bytes.buffer, bytes.byteOffset + at, 8).getFloat64(0, false);
}
