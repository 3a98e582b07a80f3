import { LONGEST_TEXT_KEY } from '../../src/common/text-memo';
import type { IdeaGraphCacheOptions } from '../../src/config/cache-options';
import { EntryHeaders } from '../../src/get-or-set/entry-headers';
import { unwrapEntry, wrapEntry } from '../../src/get-or-set/stored-entry';

/** Headers parsed once per stored text: the same answer as parsing, shared and frozen, bounded. */
const text = (n: number) =>
  wrapEntry(JSON.stringify({ n }), { times: { bornAt: 1, freshUntil: 2, staleUntil: 3 }, tags: { a: `v${n}` } });

it('answers what unwrapEntry answers, and the same frozen header for the same text', () => {
  const headers = new EntryHeaders(10, 10_000);
  const stored = text(1);
  const first = headers.unwrap(stored);
  expect(first).toEqual(unwrapEntry(stored));
  expect(headers.unwrap(stored)).toBe(first);
  expect(Object.isFrozen(first!.meta)).toBe(true);
  expect(Object.isFrozen(first!.meta.tags)).toBe(true);
  expect(Object.isFrozen(first!.meta.times)).toBe(true);
  expect(() => {
    'use strict';
    (first!.meta.tags as Record<string, string>).a = 'changed';
  }).toThrow(TypeError);
});

it('a malformed text stays a miss, found again without a parse', () => {
  const headers = new EntryHeaders(10, 10_000);
  expect(headers.unwrap('~ige:{"b":"x"}\n1')).toBeNull();
  expect(headers.unwrap('~ige:{"b":"x"}\n1')).toBeNull();
  expect(headers.unwrap('~ige:no newline')).toBeNull();
});

it('keeps at most its entry bound and its character bound', () => {
  const byCount = new EntryHeaders(3, 1_000_000);
  const texts = Array.from({ length: 10 }, (_, n) => text(n));
  const parsed = texts.map((t) => byCount.unwrap(t));
  // The newest three are found again (the same object); an older one is parsed anew.
  expect(byCount.unwrap(texts[9])).toBe(parsed[9]);
  expect(byCount.unwrap(texts[0])).not.toBe(parsed[0]);
  expect(byCount.unwrap(texts[0])).toEqual(parsed[0]);

  const long = (n: number) =>
    wrapEntry(JSON.stringify('x'.repeat(1000) + n), { times: { bornAt: 1, freshUntil: null, staleUntil: null } });
  const byChars = new EntryHeaders(1000, 2500);
  const longTexts = Array.from({ length: 5 }, (_, n) => long(n));
  const kept = longTexts.map((t) => byChars.unwrap(t));
  // About 1,050 characters each: two fit in 2,500.
  expect(byChars.unwrap(longTexts[4])).toBe(kept[4]);
  expect(byChars.unwrap(longTexts[0])).not.toBe(kept[0]);
});

it('starts with any byte bound, not only multiples of 8', () => {
  for (const maxBytes of [1, 2500, 100_000_001]) {
    const headers = EntryHeaders.forBackend({
      backend: 'hybrid',
      maxEntries: 10,
      maxBytes,
      l1: { maxEntries: 10, maxBytes },
    } as unknown as IdeaGraphCacheOptions);
    expect(headers!.unwrap(text(1))).toEqual(unwrapEntry(text(1)));
  }
});

it('texts longer than LONGEST_TEXT_KEY are parsed every time, right whatever their length', () => {
  const headers = new EntryHeaders(100, 10_000_000);
  const long = (n: number) =>
    wrapEntry(JSON.stringify(`${n}`.padStart(LONGEST_TEXT_KEY, 'x')), {
      times: { bornAt: 1, freshUntil: null, staleUntil: null },
      tags: { t: `v${n}` },
    });
  const texts = [long(1), long(2)];
  expect(texts[0].length).toBe(texts[1].length);
  expect(headers.unwrap(texts[0])!.meta.tags).toEqual({ t: 'v1' });
  expect(headers.unwrap(texts[1])!.meta.tags).toEqual({ t: 'v2' });
  expect(headers.unwrap(texts[0])).not.toBe(headers.unwrap(texts[0]));
});
