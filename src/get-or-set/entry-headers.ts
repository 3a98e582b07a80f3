import { LONGEST_TEXT_KEY } from '../common/text-keys';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { unwrapEntry, type UnwrappedEntry } from './stored-entry';

/** What a malformed text was found to be, so it is not parsed again either. */
const MALFORMED = Symbol('malformed entry');

/**
 * The header of an entry with metadata (tags, a logical expiry), parsed once per stored
 * text. Where entries are held in process (locmem, the hybrid's L1), every hit hands back
 * the very string that was stored, so it is found here again at the cost of a lookup (the
 * string's hash is kept with the string); parsing and checking the header on every hit was
 * most of what a tagged hit cost beyond an untagged one (docs/benchmarks.md).
 *
 * The parsed header is frozen: every read shares it. Bounded like the store it serves, in
 * entries, and in characters at a quarter of its byte bound: a text still in the store is
 * shared with it, so only texts the store has already dropped cost memory here. Oldest
 * first out, not least recently used: a plain Map lookup is what makes this pay (a tagged
 * hybrid hit measured 0.62-0.68x an untagged one with an LRU here, 0.71-0.74x with a Map),
 * and a hot entry pushed out is only parsed once more.
 */
export class EntryHeaders {
  private readonly memo = new Map<string, UnwrappedEntry | typeof MALFORMED>();
  private readonly maxEntries: number;
  private readonly maxChars: number;
  private chars = 0;

  constructor(maxEntries: number, maxChars: number) {
    this.maxEntries = Math.max(1, Math.floor(maxEntries));
    this.maxChars = Math.max(1, Math.floor(maxChars));
  }

  /** For the backends that hold entries in process; undefined for redis, whose reads are new strings every time. */
  static forBackend(options: IdeaGraphCacheOptions): EntryHeaders | undefined {
    if (options.backend === 'locmem') return new EntryHeaders(options.maxEntries, options.maxBytes / 2 / 4);
    if (options.backend === 'hybrid') return new EntryHeaders(options.l1.maxEntries, options.l1.maxBytes / 2 / 4);
    return undefined;
  }

  readonly unwrap = (text: string): UnwrappedEntry | null => {
    // A long text is parsed every time: next to decoding its value, the header costs little.
    if (text.length > LONGEST_TEXT_KEY) return unwrapEntry(text);
    const known = this.memo.get(text);
    if (known !== undefined) return known === MALFORMED ? null : known;
    const entry = unwrapEntry(text);
    if (entry) {
      Object.freeze(entry.meta.times);
      if (entry.meta.tags) Object.freeze(entry.meta.tags);
      Object.freeze(entry.meta);
      Object.freeze(entry);
    }
    this.remember(text, entry ?? MALFORMED);
    return entry;
  };

  private remember(text: string, parsed: UnwrappedEntry | typeof MALFORMED): void {
    if (text.length > this.maxChars) return;
    this.memo.set(text, parsed);
    this.chars += text.length;
    while (this.memo.size > this.maxEntries || this.chars > this.maxChars) {
      const oldest = this.memo.keys().next().value as string;
      this.memo.delete(oldest);
      this.chars -= oldest.length;
    }
  }
}
