import { TextMemo } from '../common/text-memo';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { unwrapEntry, type UnwrappedEntry } from './stored-entry';

/** What a malformed text was found to be, so it is not parsed again either. */
const MALFORMED = Symbol('malformed entry');

/**
 * The header of an entry with metadata (tags, a logical expiry), parsed once per stored
 * text (TextMemo). Parsing and checking the header on every hit was most of what a tagged
 * hit in process cost beyond an untagged one: a tagged hybrid hit measured 0.39x an
 * untagged one before, 0.71-0.74x with this and the tag verdicts of TagCheck
 * (docs/benchmarks.md). The parsed header is frozen: every read shares it.
 *
 * Bounded like the store it serves, in entries, and in characters at a quarter of its byte
 * bound (a character counts 2 bytes there).
 */
export class EntryHeaders {
  private readonly memo: TextMemo<UnwrappedEntry | typeof MALFORMED>;

  constructor(maxEntries: number, maxChars: number) {
    this.memo = new TextMemo(maxEntries, maxChars);
  }

  /** For the backends that hold entries in process; undefined for redis, whose reads are new strings every time. */
  static forBackend(options: IdeaGraphCacheOptions): EntryHeaders | undefined {
    if (options.backend === 'locmem') return new EntryHeaders(options.maxEntries, options.maxBytes / 2 / 4);
    if (options.backend === 'hybrid') return new EntryHeaders(options.l1.maxEntries, options.l1.maxBytes / 2 / 4);
    return undefined;
  }

  readonly unwrap = (text: string): UnwrappedEntry | null => {
    const known = this.memo.get(text);
    if (known !== undefined) return known === MALFORMED ? null : known;
    const entry = unwrapEntry(text);
    if (entry) {
      Object.freeze(entry.meta.times);
      if (entry.meta.tags) Object.freeze(entry.meta.tags);
      Object.freeze(entry.meta);
      Object.freeze(entry);
    }
    this.memo.set(text, entry ?? MALFORMED);
    return entry;
  };
}
