import { NOT_STORABLE } from '../codec/value-codec';
import type { ValueFormat } from '../codec/value-format';

/**
 * Entries that need a logical expiry (fail-safe grace or refresh-ahead) are stored as
 * `~ige:<bornAt>:<freshUntil>:<staleUntil>:<encoded value>`, times in epoch milliseconds.
 * The backend keeps the entry until staleUntil (timeout + grace); freshUntil is its
 * timeout. Every other value stays plain JSON (or the codec's tagged text), so
 * `redis-cli GET` still shows what a plain `set` wrote. No JSON text starts with `~`, and
 * no text of the django format either (a pickle starts with 0x80, an integer with a digit
 * or a sign); Django cannot read entries, so they are Nest-only in that format.
 */
const ENTRY_MARKER = '~ige:';
const HEADER = /^~ige:(\d{1,16}):(\d{1,16}):(\d{1,16}):/;

export interface EntryTimes {
  /** When the value was stored (refresh-ahead counts from here). */
  bornAt: number;
  /** Its timeout: from then on it is stale. */
  freshUntil: number;
  /** Its timeout plus grace: the backend drops it then. */
  staleUntil: number;
}

export function wrapEntry(encoded: string, times: EntryTimes): string {
  return `${ENTRY_MARKER}${Math.round(times.bornAt)}:${Math.round(times.freshUntil)}:${Math.round(times.staleUntil)}:${encoded}`;
}

/** True for text that starts like an entry; a cheap test for the read path. */
export function looksLikeEntry(text: string): boolean {
  return text.charCodeAt(0) === 126 && text.startsWith(ENTRY_MARKER);
}

/** The encoded value and its times; null for text that starts like an entry but is malformed (read as a miss). */
export function unwrapEntry(text: string): { encoded: string; times: EntryTimes } | null {
  const header = HEADER.exec(text);
  if (!header) return null;
  const times = { bornAt: Number(header[1]), freshUntil: Number(header[2]), staleUntil: Number(header[3]) };
  if (times.freshUntil < times.bornAt || times.staleUntil < times.freshUntil) return null;
  return { encoded: text.slice(header[0].length), times };
}

/** A stored text read back: the value, and its times if it was written with them. */
export interface ReadEntry<T> {
  value: T;
  times?: EntryTimes;
}

/** Decodes stored text, entries included; NOT_STORABLE for what cannot be read (a miss). */
export function readStoredText<T>(text: string, format: ValueFormat): ReadEntry<T> | typeof NOT_STORABLE {
  if (!looksLikeEntry(text)) {
    const value = format.decode<T>(text);
    return value === NOT_STORABLE ? NOT_STORABLE : { value };
  }
  const entry = unwrapEntry(text);
  if (!entry) return NOT_STORABLE;
  const value = format.decode<T>(entry.encoded);
  return value === NOT_STORABLE ? NOT_STORABLE : { value, times: entry.times };
}
