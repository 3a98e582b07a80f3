import { refuse } from './pickle-refusal';

/**
 * Python pickles str as UTF-8 with the "surrogatepass" error handler, so a lone surrogate
 * (which a JS string may hold, and Python's str too) survives the trip as the three bytes
 * UTF-8 would give it. Node's own UTF-8 coder replaces it with U+FFFD, so lone surrogates
 * take the slow path here; well-formed text takes Buffer's.
 */
const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export function encodePythonStr(text: string): Buffer {
  if (!hasLoneSurrogate(text)) return Buffer.from(text, 'utf8');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (code < 0x80) bytes.push(code);
    else if (code < 0x800) bytes.push(0xc0 | (code >> 6), 0x80 | (code & 0x3f));
    else if (code < 0x10000) bytes.push(0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
    else
      bytes.push(0xf0 | (code >> 18), 0x80 | ((code >> 12) & 0x3f), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f));
  }
  return Buffer.from(bytes);
}

/** True when the text has a lone surrogate, which only encodePythonStr writes as Python does. */
export function hasLoneSurrogate(text: string): boolean {
  // The plain class is the cheap test; the look-around one runs only on text with surrogates at all.
  return SURROGATE.test(text) && LONE_SURROGATE.test(text);
}

/**
 * Reads bytes[start, end) as Python (or encodePythonStr) wrote them; refuses bytes that
 * are not UTF-8, as Python's unpickler does.
 */
export function decodePythonStr(bytes: Buffer, start = 0, end = bytes.length): string {
  // Most cached text is ASCII; TextDecoder's per-call cost dominated short strings (reads took 3x as long).
  if (isAscii(bytes, start, end)) return bytes.toString('latin1', start, end);
  const slice = bytes.subarray(start, end);
  try {
    return STRICT_UTF8.decode(slice);
  } catch {
    return decodeWithSurrogates(slice);
  }
}

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] >= 0x80) return false;
  return true;
}

function decodeWithSurrogates(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const first = bytes[i];
    let code: number;
    let size: number;
    if (first < 0x80) {
      code = first;
      size = 1;
    } else if (first >= 0xc2 && first <= 0xdf) {
      code = first & 0x1f;
      size = 2;
    } else if (first >= 0xe0 && first <= 0xef) {
      code = first & 0x0f;
      size = 3;
    } else if (first >= 0xf0 && first <= 0xf4) {
      code = first & 0x07;
      size = 4;
    } else {
      return refuse('a str that is not UTF-8');
    }
    if (i + size > bytes.length) refuse('a str that is not UTF-8');
    for (let k = 1; k < size; k++) {
      const next = bytes[i + k];
      if ((next & 0xc0) !== 0x80) refuse('a str that is not UTF-8');
      code = (code << 6) | (next & 0x3f);
    }
    // Overlong forms and code points past U+10FFFF are invalid even with surrogatepass.
    if ((size === 3 && code < 0x800) || (size === 4 && (code < 0x10000 || code > 0x10ffff)))
      refuse('a str that is not UTF-8');
    out += String.fromCodePoint(code);
    i += size;
  }
  return out;
}
