import { DjangoValueFormat } from '../../../src/codec/django/django-value-format';
import { SUB_MILLISECOND_MICROS } from '../../../src/codec/django/python-datetime';
import { NOT_STORABLE } from '../../../src/codec/value-codec';
import { djangoPeer, type PeerCheck } from '../../helpers/django-peer';
import { BOTH_WAYS, JS_TO_PYTHON, PYTHON_TO_JS } from './python-value-table';

/**
 * The codec against CPython's own pickle, without Redis: what Django's RedisSerializer
 * would store for each Python value, and what Python reads from ours.
 */
describe('django value format against CPython', () => {
  const refusals: string[] = [];
  const format = new DjangoValueFormat((reason) => refusals.push(reason));
  const hex = (text: string) => Buffer.from(text, 'latin1').toString('hex');
  const fromHex = (data: string) => Buffer.from(data, 'hex').toString('latin1');

  /** What Django's RedisSerializer stores for each Python expression of the table, asked once. */
  const stored = new Map<string, string>();
  const django = (expr: string) => stored.get(expr)!;

  beforeAll(() => {
    const exprs = [
      ...new Set(
        [...BOTH_WAYS, ...PYTHON_TO_JS].map((c) => c.python).concat('datetime.datetime(2026, 1, 2, 3, 4, 5, 123456)'),
      ),
    ];
    djangoPeer<string[]>({ command: 'dumps', exprs }).forEach((data, i) => stored.set(exprs[i], data));
  });

  beforeEach(() => refusals.splice(0));

  // Sets with several elements are written in JS order, Python's own pickles in hash order.
  const byteComparable = BOTH_WAYS.filter((c) => !(c.js instanceof Set && c.js.size > 1));

  it.each(byteComparable.map((c) => [c.name, c] as const))('%s: we store the very bytes Django stores', (_name, c) => {
    expect(hex(format.encode(c.js))).toBe(django(c.python));
  });

  it('Python reads every value we write as the equal Python value, of the same types', () => {
    const items = [...BOTH_WAYS, ...JS_TO_PYTHON].map((c) => ({ hex: hex(format.encode(c.js)), expr: c.python }));
    const checks = djangoPeer<PeerCheck[]>({ command: 'loads', items });
    const failed = checks.map((check, i) => ({ ...check, expr: items[i].expr })).filter((check) => !check.ok);
    expect(failed).toEqual([]);
  });

  it('our pickles name no global but datetime.datetime (seen through find_class)', () => {
    const pickles = [...BOTH_WAYS, ...JS_TO_PYTHON]
      .map((c) => format.encode(c.js))
      .filter((text) => text.charCodeAt(0) === 0x80);
    const named = djangoPeer<string[][]>({ command: 'globals', pickles: pickles.map(hex) });
    expect([...new Set(named.flat())]).toEqual(['datetime.datetime']);
  });

  it.each([...BOTH_WAYS, ...PYTHON_TO_JS].map((c) => [c.name, c] as const))(
    '%s: what Django stores reads as the JS value',
    (_name, c) => {
      const read = format.decode(fromHex(django(c.python)));
      expect(refusals).toEqual([]);
      expectExactly(read, c.js);
    },
  );

  it.each(JS_TO_PYTHON.map((c) => [c.name, c] as const))('%s, and reads back as documented', (_name, c) => {
    expectExactly(format.decode(format.encode(c.js)), c.readBack);
  });

  it('a Date read from a datetime writes back the same datetime, to the microsecond', () => {
    const pickle = django('datetime.datetime(2026, 1, 2, 3, 4, 5, 123456)');
    const date = format.decode<Date>(fromHex(pickle)) as Date;
    expect(date.toISOString()).toBe('2026-01-02T03:04:05.123Z');
    expect(hex(format.encode(date))).toBe(pickle);
  });

  it("Django's int(data) is how decimal text reads: signs, spaces, underscores", () => {
    expect(format.decode(' +1_000\n')).toBe(1000);
    expect(format.decode('-0')).toBe(0);
    expect(format.decode('123456789012345678901234567890')).toBe(123456789012345678901234567890n);
    expect(refusals).toEqual([]);
    for (const text of ['1__0', '_1', '0x10', '', ' ', '1.5', '9'.repeat(4301)])
      expect(format.decode(text)).toBe(NOT_STORABLE);
    expect(refusals).toHaveLength(7);
  });

  describe('older protocols, as Python 3 writes them', () => {
    const pickled = (expr: string, protocol: number) =>
      fromHex(djangoPeer<string[]>({ command: 'pickle-dumps', exprs: [expr], protocol })[0]);

    it.each([2, 3, 4])('protocol %i: lists, tuples, dicts, str and big ints read', (protocol) => {
      expect(format.decode(pickled("[1, 'a', {'b': (2**80, None)}, 1.5, True]", protocol))).toStrictEqual([
        1,
        'a',
        { b: [2n ** 80n, null] },
        1.5,
        true,
      ]);
    });

    it.each([
      ['bytes in protocol 2 (_codecs.encode)', "b'x'", 2],
      ['a datetime in protocol 2 (_codecs.encode)', 'datetime.datetime(2026, 1, 1)', 2],
      ['a set in protocol 3 (builtins.set)', '{1}', 3],
    ])('%s needs a global beyond the datetime types: refused', (_name, expr, protocol) => {
      expect(format.decode(pickled(expr, protocol))).toBe(NOT_STORABLE);
      expect(refusals).toEqual(['a global other than the datetime types']);
    });

    it('protocol 3 datetimes (GLOBAL instead of STACK_GLOBAL) read', () => {
      expect(format.decode(pickled('datetime.datetime(2026, 1, 1, 12)', 3))).toStrictEqual(
        new Date('2026-01-01T12:00:00Z'),
      );
      expect(
        format.decode(
          pickled("datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=1), 'CET'))", 3),
        ),
      ).toStrictEqual(new Date('2025-12-31T23:00:00Z'));
    });
  });
});

/** toStrictEqual, plus what it does not see: Buffer against Uint8Array, and a Date's kept microseconds. */
function expectExactly(actual: unknown, expected: unknown): void {
  expect(actual).toStrictEqual(expected);
  if (expected instanceof Uint8Array) expect(Buffer.isBuffer(actual)).toBe(Buffer.isBuffer(expected));
  if (expected instanceof Date) {
    expect((actual as Record<symbol, unknown>)[SUB_MILLISECOND_MICROS]).toBe(
      (expected as unknown as Record<symbol, unknown>)[SUB_MILLISECOND_MICROS],
    );
  }
}
