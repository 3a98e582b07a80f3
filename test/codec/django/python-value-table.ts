import { SUB_MILLISECOND_MICROS } from '../../../src/codec/django/python-datetime';

/**
 * The mapping table of docs/migration.md#share-values-with-django, as test cases: a Python
 * expression (evaluated by test/helpers/django_peer.py) and the JS value it corresponds to.
 */
export interface ValueCase {
  name: string;
  python: string;
  js: unknown;
}

/** A Date with the sub-millisecond digits the reader keeps for a datetime. */
const micros = (iso: string, extraMicros: number): Date => {
  const date = new Date(iso);
  Object.defineProperty(date, SUB_MILLISECOND_MICROS, {
    value: extraMicros,
    enumerable: false,
    writable: true,
    configurable: true,
  });
  return date;
};

/** Exact both ways: Python writes it, we read `js`; we write `js`, Python reads an equal value of the same types. */
export const BOTH_WAYS: ValueCase[] = [
  { name: 'None', python: 'None', js: null },
  { name: 'True', python: 'True', js: true },
  { name: 'False', python: 'False', js: false },
  { name: 'int 0', python: '0', js: 0 },
  { name: 'int -1', python: '-1', js: -1 },
  { name: 'int 2**31', python: '2**31', js: 2 ** 31 },
  { name: 'int 2**53-1', python: '2**53-1', js: Number.MAX_SAFE_INTEGER },
  { name: 'int 2**53 (BigInt)', python: '2**53', js: 2n ** 53n },
  { name: 'int -2**64 (BigInt)', python: '-2**64', js: -(2n ** 64n) },
  { name: 'int 2**2000 (BigInt)', python: '2**2000', js: 2n ** 2000n },
  { name: 'float', python: '3.141592653589793', js: 3.141592653589793 },
  { name: 'float -0.0', python: '-0.0', js: -0 },
  { name: 'float 1e300', python: '1e300', js: 1e300 },
  { name: 'float 2**64', python: 'float(2**64)', js: 2 ** 64 },
  { name: 'float inf', python: "float('inf')", js: Number.POSITIVE_INFINITY },
  { name: 'float -inf', python: "float('-inf')", js: Number.NEGATIVE_INFINITY },
  { name: 'float nan', python: "float('nan')", js: Number.NaN },
  { name: 'str', python: "'hello'", js: 'hello' },
  { name: 'empty str', python: "''", js: '' },
  { name: 'unicode str', python: "'Grüße 🌍 \\u2028 日本語 \\x00 end'", js: 'Grüße 🌍 \u2028 日本語 \u0000 end' },
  { name: 'str with a lone surrogate', python: "'a\\ud800b'", js: 'a\ud800b' },
  { name: 'decimal-looking str', python: "'42'", js: '42' },
  { name: 'str that looks like a tagged value', python: '\'~ig1:{"~t":"date"}\'', js: '~ig1:{"~t":"date"}' },
  { name: 'long str (outside frames)', python: "'x' * 70000", js: 'x'.repeat(70000) },
  { name: 'bytes', python: "b'\\x00\\x01\\x80\\xfe\\xff'", js: Buffer.from([0, 1, 0x80, 0xfe, 0xff]) },
  { name: 'empty bytes', python: "b''", js: Buffer.alloc(0) },
  { name: 'list', python: "[1, 'two', True, None]", js: [1, 'two', true, null] },
  { name: 'empty list', python: '[]', js: [] },
  { name: 'nested list', python: '[[1, [2, [3, []]]]]', js: [[1, [2, [3, []]]]] },
  { name: 'list of 2500 ints (3 batches)', python: 'list(range(2500))', js: Array.from({ length: 2500 }, (_, i) => i) },
  {
    name: 'dict',
    python: "{'a': 1, 'b': [True, None], 'c': {'d': 'e'}}",
    js: { a: 1, b: [true, null], c: { d: 'e' } },
  },
  { name: 'empty dict', python: '{}', js: {} },
  { name: 'dict with a __proto__ key', python: "{'__proto__': 1}", js: JSON.parse('{"__proto__": 1}') },
  {
    name: 'dict with int keys (Map)',
    python: "{1: 'a', 2: 'b'}",
    js: new Map([
      [1, 'a'],
      [2, 'b'],
    ]),
  },
  {
    name: 'dict with mixed keys (Map)',
    python: "{None: 1, 'k': 2, b'b': 3, 2**70: 4}",
    js: new Map<unknown, unknown>([
      [null, 1],
      ['k', 2],
      [Buffer.from('b'), 3],
      [2n ** 70n, 4],
    ]),
  },
  { name: 'set', python: '{1, 2, 3}', js: new Set([1, 2, 3]) },
  { name: 'empty set', python: 'set()', js: new Set() },
  { name: 'set of str', python: "{'a'}", js: new Set(['a']) },
  {
    name: 'naive datetime',
    python: 'datetime.datetime(2026, 1, 2, 3, 4, 5, 6000)',
    js: new Date('2026-01-02T03:04:05.006Z'),
  },
  {
    name: 'datetime with microseconds',
    python: 'datetime.datetime(2026, 1, 2, 3, 4, 5, 123456)',
    js: micros('2026-01-02T03:04:05.123Z', 456),
  },
  { name: 'datetime.min', python: 'datetime.datetime(1, 1, 1)', js: new Date('0001-01-01T00:00:00.000Z') },
  {
    name: 'datetime.max',
    python: 'datetime.datetime(9999, 12, 31, 23, 59, 59, 999999)',
    js: micros('9999-12-31T23:59:59.999Z', 999),
  },
  {
    name: 'two datetimes (the class once, then a memo reference)',
    python: '[datetime.datetime(2026, 1, 1), datetime.datetime(2027, 1, 1)]',
    js: [new Date('2026-01-01T00:00:00Z'), new Date('2027-01-01T00:00:00Z')],
  },
  {
    name: "graph_service's token entry",
    python: "{'token': 'eyJ0eXAi.abc', 'expires_at': datetime.datetime(2026, 5, 6, 7, 8, 9, 10)}",
    js: { token: 'eyJ0eXAi.abc', expires_at: micros('2026-05-06T07:08:09.000Z', 10) },
  },
  {
    name: 'a realistic record',
    python:
      "{'id': 42, 'name': 'Ada', 'tags': ['x', 'y'], 'score': 1.5, 'seen': datetime.datetime(2025, 12, 31, 23, 0), 'blob': b'\\x89PNG', 'parent': None, 'ok': False}",
    js: {
      id: 42,
      name: 'Ada',
      tags: ['x', 'y'],
      score: 1.5,
      seen: new Date('2025-12-31T23:00:00Z'),
      blob: Buffer.from([0x89, 0x50, 0x4e, 0x47]),
      parent: null,
      ok: false,
    },
  },
];

/** Python values that have no exact JS counterpart: what they read as. */
export const PYTHON_TO_JS: ValueCase[] = [
  { name: 'tuple reads as an array', python: "(1, 'a', (2,))", js: [1, 'a', [2]] },
  { name: 'empty tuple', python: '()', js: [] },
  { name: 'tuple of 5', python: '(1, 2, 3, 4, 5)', js: [1, 2, 3, 4, 5] },
  { name: 'frozenset reads as a Set', python: 'frozenset({1})', js: new Set([1]) },
  { name: 'empty frozenset', python: 'frozenset()', js: new Set() },
  { name: 'bytearray reads as a Buffer', python: "bytearray(b'xy')", js: Buffer.from('xy') },
  { name: 'float 2.0 reads as the number 2', python: '2.0', js: 2 },
  { name: 'date reads as midnight UTC', python: 'datetime.date(2026, 1, 2)', js: new Date('2026-01-02T00:00:00Z') },
  {
    name: 'aware datetime reads as its instant',
    python: 'datetime.datetime(2026, 1, 2, 5, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))',
    js: new Date('2026-01-02T03:00:00Z'),
  },
  {
    name: 'UTC datetime',
    python: 'datetime.datetime(2026, 1, 2, 5, 0, tzinfo=datetime.timezone.utc)',
    js: new Date('2026-01-02T05:00:00Z'),
  },
  {
    name: 'named timezone',
    python: "datetime.datetime(2026, 1, 2, tzinfo=datetime.timezone(-datetime.timedelta(hours=5, minutes=30), 'X'))",
    js: new Date('2026-01-02T05:30:00Z'),
  },
  {
    name: 'datetime with fold=1',
    python: 'datetime.datetime(2026, 1, 2, fold=1)',
    js: new Date('2026-01-02T00:00:00Z'),
  },
  { name: 'tuple dict keys read as array Map keys', python: "{(1, 2): 'pair'}", js: new Map([[[1, 2], 'pair']]) },
  {
    name: 'a shared list reads as one array twice',
    python: '(lambda x: [x, x])([1, 2])',
    js: [
      [1, 2],
      [1, 2],
    ],
  },
];

/** JS values that have no exact Python counterpart: the Python value written, and what a read gives back. */
export const JS_TO_PYTHON: { name: string; js: unknown; python: string; readBack: unknown }[] = [
  { name: 'Uint8Array is bytes', js: new Uint8Array([1, 2]), python: "b'\\x01\\x02'", readBack: Buffer.from([1, 2]) },
  { name: 'a Map with string keys is a dict', js: new Map([['a', 1]]), python: "{'a': 1}", readBack: { a: 1 } },
  { name: 'undefined properties are left out', js: { a: 1, b: undefined }, python: "{'a': 1}", readBack: { a: 1 } },
  { name: 'undefined in an array is None', js: [1, undefined], python: '[1, None]', readBack: [1, null] },
  { name: 'a small BigInt is an int', js: 5n, python: '5', readBack: 5 },
  { name: 'a small BigInt inside a list', js: [5n], python: '[5]', readBack: [5] },
  { name: 'a number past 2**53 is a float', js: 2 ** 60, python: 'float(2**60)', readBack: 2 ** 60 },
  {
    name: 'a Date is a naive UTC datetime',
    js: new Date('2026-01-02T03:04:05.678Z'),
    python: 'datetime.datetime(2026, 1, 2, 3, 4, 5, 678000)',
    readBack: new Date('2026-01-02T03:04:05.678Z'),
  },
  {
    name: 'a BigInt of 5000 digits is pickled, not decimal text',
    js: 10n ** 5000n,
    python: '10**5000',
    readBack: 10n ** 5000n,
  },
];
