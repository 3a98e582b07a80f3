import { DjangoValueFormat } from '../../../src/codec/django/django-value-format';
import { PickleRefusal } from '../../../src/codec/django/pickle-refusal';
import { readPickle } from '../../../src/codec/django/pickle-reader';
import { NOT_STORABLE } from '../../../src/codec/value-codec';
import { djangoPeer } from '../../helpers/django-peer';
import { deepThroughMemo } from './hostile-shapes';

/** What CPython's pickle.dumps(expr, 5) writes, as the latin1 text a store hands back. */
function fromPython(...exprs: string[]): string[] {
  return djangoPeer<string[]>({ command: 'pickle-dumps', exprs, protocol: 5 }).map((hex) =>
    Buffer.from(hex, 'hex').toString('latin1'),
  );
}

function refusal(read: () => unknown): string {
  try {
    read();
  } catch (error) {
    if (error instanceof PickleRefusal) return error.message;
    throw error;
  }
  throw new Error('read, not refused');
}

describe('the pickle reader reads big containers, and refuses what only a hostile writer builds', () => {
  const refusals: string[] = [];
  const format = new DjangoValueFormat((reason) => refusals.push(reason));
  beforeEach(() => refusals.splice(0));

  it('big sets, frozensets, lists, tuples and dicts as CPython writes them (no spread of their items onto the call stack)', () => {
    const [frozen, set, list, tuple, dict] = fromPython(
      'frozenset(range(130000))',
      'set(range(130000))',
      'list(range(200000))',
      'tuple(range(200000))',
      '{i: str(i) for i in range(50000)}',
    );
    const frozenRead = format.decode<Set<number>>(frozen) as Set<number>;
    expect(refusals).toEqual([]);
    expect(frozenRead).toBeInstanceOf(Set);
    expect(frozenRead.size).toBe(130_000);
    expect(frozenRead.has(129_999)).toBe(true);
    expect((format.decode<Set<number>>(set) as Set<number>).size).toBe(130_000);
    const listRead = format.decode<number[]>(list) as number[];
    expect(listRead).toHaveLength(200_000);
    expect(listRead[199_999]).toBe(199_999);
    expect(format.decode<number[]>(tuple)).toEqual(listRead);
    const dictRead = format.decode<Map<number, string>>(dict) as Map<number, string>;
    expect(dictRead.size).toBe(50_000);
    expect(dictRead.get(49_999)).toBe('49999');
    expect(refusals).toEqual([]);
  });

  it('nesting: 100 levels as CPython writes them read, 101 do not', () => {
    const [hundred, hundredOne] = fromPython("eval('[' * 100 + ']' * 100)", "eval('[' * 101 + ']' * 101)");
    let read = format.decode<unknown[]>(hundred);
    let depth = 0;
    while (Array.isArray(read)) {
      depth++;
      read = read[0] as unknown[];
    }
    expect(depth).toBe(100);
    expect(format.decode(hundredOne)).toBe(NOT_STORABLE);
    expect(refusals).toEqual(['nesting deeper than 100 levels']);
  });

  it('nesting past 100 through memo references is refused: 12 KB whose links are each reached first at depth 1, nesting 5,882 levels', () => {
    const pickle = deepThroughMemo();
    expect(pickle.length).toBeLessThan(12_500);
    expect(refusal(() => readPickle(pickle))).toBe('nesting deeper than 100 levels');
    // The same shape within the limit reads, every link shared as the pickle shares it.
    const read = readPickle(deepThroughMemo(98, 49)) as unknown[][];
    expect(read).toHaveLength(2);
    let link: unknown = read[1];
    for (let level = 0; level < 49; level++) link = (link as unknown[])[0];
    expect(link).toBe(read[0]);
  });

  it("shared references are counted each time: CPython's ['A'*50000]*50000 (150 KB) is refused, ['A'*1000]*1000 reads as one shared string", () => {
    const [huge, small] = fromPython("['A'*50000]*50000", "['A'*1000]*1000");
    expect(huge.length).toBeLessThan(160_000);
    expect(format.decode(huge)).toBe(NOT_STORABLE);
    expect(refusals).toEqual(['shared references that expand past the size limit']);
    const read = format.decode<string[]>(small) as string[];
    expect(read).toHaveLength(1000);
    expect(read.every((item) => item === 'A'.repeat(1000))).toBe(true);
    expect(refusals).toHaveLength(1);
  });

  it('the expansion bound follows CACHE_MAX_VALUE_BYTES: 16 times it', () => {
    // ['A'*1000]*1000 expands to about 1 MB: refused when values may be 32 KiB (512 KiB expanded), read when 1 MiB.
    const [small] = fromPython("['A'*1000]*1000");
    expect(new DjangoValueFormat(() => undefined, 32 * 1024).decode(small)).toBe(NOT_STORABLE);
    expect(new DjangoValueFormat(() => undefined, 1024 * 1024).decode(small)).not.toBe(NOT_STORABLE);
  });

  it("MEMOIZE stores at Python's len(memo), however scattered the slots BINPUT wrote", () => {
    // None put at slot 1000, then 7 memoized: len(memo) is 1, so BINGET 1 is 7.
    const pickle = Buffer.concat([
      Buffer.from([0x80, 4, 0x4e, 0x72]),
      Buffer.from([0xe8, 3, 0, 0]),
      Buffer.from([0x4b, 7, 0x94, 0x86, 0x68, 1, 0x86, 0x2e]),
    ]);
    expect(readPickle(pickle)).toEqual([[null, 7], 7]);
  });

  it('a container changed after it was placed in another is refused (CPython never writes one, but for a value that contains itself)', () => {
    // [] placed in an outer list, then taken back from the memo and appended to.
    const changedLater = Buffer.from([0x80, 5, 0x5d, 0x5d, 0x94, 0x61, 0x68, 0, 0x4e, 0x61, 0x2e]);
    expect(refusal(() => readPickle(changedLater))).toMatch(/changed after it was placed/);
    const [cyclic] = fromPython('(lambda a: (a.append([a]), a)[1])([])');
    expect(format.decode(cyclic)).toBe(NOT_STORABLE);
    expect(refusals).toHaveLength(1);
  });
});

describe('aware datetimes at the ends of the range', () => {
  const refusals: string[] = [];
  const format = new DjangoValueFormat((reason) => refusals.push(reason));
  beforeEach(() => refusals.splice(0));
  const tz = (offset: string) => `datetime.timezone(datetime.timedelta(${offset}))`;

  it('datetime.max at -23:59 (year 10000 in UTC) and datetime.min at +23:59 (year 0) are refused on read, as the writer refuses them', () => {
    const [max, min] = fromPython(
      `datetime.datetime.max.replace(tzinfo=${tz('hours=-23, minutes=-59')})`,
      `datetime.datetime.min.replace(tzinfo=${tz('hours=23, minutes=59')})`,
    );
    expect(format.decode(max)).toBe(NOT_STORABLE);
    expect(format.decode(min)).toBe(NOT_STORABLE);
    expect(refusals).toEqual([
      'a datetime outside the years 1 to 9999 in UTC',
      'a datetime outside the years 1 to 9999 in UTC',
    ]);
  });

  it('the same ends with offsets that keep them within years 1 to 9999 read, and write back', () => {
    const [max, min] = fromPython(
      `datetime.datetime.max.replace(tzinfo=${tz('hours=23, minutes=59')})`,
      `datetime.datetime.min.replace(tzinfo=${tz('hours=-23, minutes=-59')})`,
    );
    const maxRead = format.decode<Date>(max) as Date;
    const minRead = format.decode<Date>(min) as Date;
    expect(maxRead.toISOString()).toBe('9999-12-31T00:00:59.999Z');
    expect(minRead.toISOString()).toBe('0001-01-01T23:59:00.000Z');
    expect(format.decode(format.encode(maxRead))).toStrictEqual(maxRead);
    expect(refusals).toEqual([]);
  });
});
