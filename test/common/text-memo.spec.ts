import { LONGEST_TEXT_KEY, TextMemo } from '../../src/common/text-memo';

/** A memo keyed by stored text: bounded in entries and characters, oldest out first, long texts never kept. */
it('keeps at most maxEntries, the oldest out first', () => {
  const memo = new TextMemo<number>(3, 1_000_000);
  for (let i = 0; i < 5; i++) memo.set(`text ${i}`, i);
  expect([0, 1, 2, 3, 4].map((i) => memo.get(`text ${i}`))).toEqual([undefined, undefined, 2, 3, 4]);
});

it('keeps at most maxChars characters of text, and never a text longer than that alone', () => {
  const memo = new TextMemo<number>(100, 25);
  memo.set('a'.repeat(10), 1);
  memo.set('b'.repeat(10), 2);
  memo.set('c'.repeat(10), 3);
  expect(memo.get('a'.repeat(10))).toBeUndefined();
  expect(memo.get('c'.repeat(10))).toBe(3);
  memo.set('d'.repeat(26), 4);
  expect(memo.get('d'.repeat(26))).toBeUndefined();
  expect(memo.get('c'.repeat(10))).toBe(3);
});

it('never keeps a text longer than LONGEST_TEXT_KEY, which V8 would hash by its length alone', () => {
  const memo = new TextMemo<number>(100, 10_000_000);
  const long = 'x'.repeat(LONGEST_TEXT_KEY + 1);
  memo.set(long, 1);
  expect(memo.get(long)).toBeUndefined();
  const longest = 'y'.repeat(LONGEST_TEXT_KEY);
  memo.set(longest, 2);
  expect(memo.get(longest)).toBe(2);
});

it('takes fractional bounds as whole numbers, at least 1', () => {
  const memo = new TextMemo<number>(0.5, 2.7);
  memo.set('ab', 1);
  expect(memo.get('ab')).toBe(1);
  memo.set('cd', 2);
  expect(memo.get('ab')).toBeUndefined();
});
