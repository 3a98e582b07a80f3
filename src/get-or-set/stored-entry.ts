import { NOT_STORABLE } from '../codec/value-codec';
import type { ValueFormat } from '../codec/value-format';

/**
 * Entries that need metadata (a logical expiry for getOrSet's grace or refresh-ahead, or
 * tags) are stored as `~ige:<header JSON>\n<encoded value>`. The header holds `b` (stored
 * at), `f` (fresh until: its timeout), `s` (stale until: the backend drops it then), in
 * epoch milliseconds or null for never, and `t`, the tags with the version of each at the
 * time of the write. Every other value stays plain JSON (or the codec's tagged text), so
 * `redis-cli GET` still shows what a plain `set` wrote. No JSON text starts with `~`, and
 * no text of the django format either (a pickle starts with 0x80, an integer with a digit,
 * a sign or a space); Django cannot read entries, so they are Nest-only in that format.
 */
const ENTRY_MARKER = '~ige:';
/** Bytes an entry's header may add to CACHE_MAX_VALUE_BYTES before the entry is too large to read. */
const ENTRY_HEADER_ALLOWANCE = 64 * 1024;

export interface EntryTimes {
  /** When the value was stored (refresh-ahead counts from here). */
  bornAt: number;
  /** Its timeout: from then on it is stale; null: never. */
  freshUntil: number | null;
  /** Its timeout plus grace: the backend drops it then; null: never. */
  staleUntil: number | null;
}

export interface EntryMeta {
  times: EntryTimes;
  /** Tag -> the tag's version when the entry was written; the entry is valid while every version still matches. */
  tags?: Record<string, string>;
}

/**
 * `asciiHeader`: for a format whose stored text is bytes, one character per byte (django),
 * where a tag name beyond U+00FF would not survive; JSON's \u escapes keep the header ASCII.
 */
export function wrapEntry(encoded: string, meta: EntryMeta, asciiHeader = false): string {
  const { bornAt, freshUntil, staleUntil } = meta.times;
  const header: Record<string, unknown> = { b: bornAt, f: freshUntil, s: staleUntil };
  if (meta.tags) header.t = meta.tags;
  const json = JSON.stringify(header);
  return `${ENTRY_MARKER}${asciiHeader ? escapeNonAscii(json) : json}\n${encoded}`;
}

function escapeNonAscii(json: string): string {
  return json.replace(/[\u0080-\uffff]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** True for text that starts like an entry; a cheap test for the read path. */
export function looksLikeEntry(text: string): boolean {
  return text.charCodeAt(0) === 126 && text.startsWith(ENTRY_MARKER);
}

/** An entry's text taken apart: the value as it was encoded, and the header. */
export interface UnwrappedEntry {
  encoded: string;
  meta: EntryMeta;
}

/** The encoded value and its metadata; null for text that starts like an entry but is malformed (read as a miss). */
export function unwrapEntry(text: string): UnwrappedEntry | null {
  const end = text.indexOf('\n');
  if (end < 0) return null;
  let header: unknown;
  try {
    header = JSON.parse(text.slice(ENTRY_MARKER.length, end));
  } catch {
    return null;
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return null;
  const { b, f, s, t } = header as Record<string, unknown>;
  if (!isTime(b) || !(f === null || isTime(f)) || !(s === null || isTime(s))) return null;
  if (f !== null && (f < b || (s !== null && s < f))) return null;
  if (f === null && s !== null) return null;
  const meta: EntryMeta = { times: { bornAt: b, freshUntil: f, staleUntil: s } };
  if (t !== undefined) {
    if (
      t === null ||
      typeof t !== 'object' ||
      Array.isArray(t) ||
      !Object.values(t).every((version) => typeof version === 'string')
    )
      return null;
    meta.tags = t as Record<string, string>;
  }
  return { encoded: text.slice(end + 1), meta };
}

function isTime(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** A stored text read back: the value, and its metadata if it was written with some. */
export interface ReadEntry<T> {
  value: T;
  meta?: EntryMeta;
}

/** Decodes stored text, entries included; NOT_STORABLE for what cannot be read (a miss). */
export function readStoredText<T>(
  text: string,
  format: ValueFormat,
  unwrap: (text: string) => UnwrappedEntry | null = unwrapEntry,
): ReadEntry<T> | typeof NOT_STORABLE {
  if (!looksLikeEntry(text)) {
    const value = format.decode<T>(text);
    return value === NOT_STORABLE ? NOT_STORABLE : { value };
  }
  // Refused before the header is parsed: the value's own limit, and room for its tags.
  if (format.readSizeExceeded(text, ENTRY_HEADER_ALLOWANCE)) return NOT_STORABLE;
  const entry = unwrap(text);
  if (!entry) return NOT_STORABLE;
  const value = format.decode<T>(entry.encoded);
  return value === NOT_STORABLE ? NOT_STORABLE : { value, meta: entry.meta };
}

/** True while the entry's timeout has not passed. */
export function isFresh(meta: EntryMeta | undefined, now = Date.now()): boolean {
  return meta === undefined || meta.times.freshUntil === null || now < meta.times.freshUntil;
}
