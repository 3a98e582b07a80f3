import { writePickle } from '../../../src/codec/django/pickle-writer';

/** Bytes from pieces: numbers are bytes, strings latin1 text. */
export function bytes(...parts: (number | string | Buffer)[]): Buffer {
  return Buffer.concat(
    parts.map((part) =>
      typeof part === 'number' ? Buffer.from([part]) : typeof part === 'string' ? Buffer.from(part, 'latin1') : part,
    ),
  );
}

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

/** `unit` repeated to fill about `size` bytes. */
function fill(unit: Buffer, size: number): Buffer {
  const count = Math.max(1, Math.floor(size / unit.length));
  // Buffer.alloc repeats a fill buffer natively: a copy per unit took seconds for a 1 MB flood of one-byte units.
  return Buffer.alloc(count * unit.length, unit);
}

const PROTO = bytes(0x80, 5);
/** `unit` repeated inside one list: `[` MARK units APPENDS. */
const inList = (unit: Buffer, size: number): Buffer => bytes(PROTO, ']', '(', fill(unit, size), 'e', '.');
/** `unit` repeated on the stack, never closed: the pickle is refused at its end, if not before. */
const onStack = (unit: Buffer, size: number): Buffer => bytes(PROTO, fill(unit, size));

const DATETIME_STATE = Buffer.from('07ea0102030405000006', 'hex');

/**
 * Pickles of about `size` bytes that make a reader spend, one opcode family at a time:
 * what costs most per byte of each. Each is a row of the read-budget table.
 */
export function hostileShapes(
  size: number,
  fromPython: [family: string, shape: string, input: Buffer][] = [],
): [family: string, shape: string, input: Buffer][] {
  const deep = bytes(']'.repeat(100), 'a'.repeat(99));
  return [
    ['containers', 'EMPTY_SET flood in a list', inList(bytes(0x8f), size)],
    ['containers', 'EMPTY_SET flood on the stack', onStack(bytes(0x8f), size)],
    ['containers', 'EMPTY_DICT flood in a list', inList(bytes('}'), size)],
    ['containers', 'EMPTY_LIST flood in a list', inList(bytes(']'), size)],
    ['containers', 'EMPTY_TUPLE flood in a list', inList(bytes(')'), size)],
    ['containers', 'empty FROZENSETs in a list', inList(bytes('(', 0x91), size)],
    ['containers', 'TUPLE1 of None, in a list', inList(bytes('N', 0x85), size)],
    ['containers', 'dicts of one item, in a list', inList(bytes('}', 'K', 1, 'N', 's'), size)],
    ['containers', 'MARK flood', onStack(bytes('('), size)],
    ['containers', 'None flood in a list', inList(bytes('N'), size)],
    ['memo', 'MEMOIZE flood on one list', bytes(PROTO, ']', fill(bytes(0x94), size), '.')],
    ['memo', 'EMPTY_LIST + MEMOIZE in a list', inList(bytes(']', 0x94), size)],
    ['memo', 'LONG_BINPUT to scattered slots', bytes(PROTO, 'N', scatteredPuts(size), '.')],
    ['memo', 'BINGET of one list, in a list', bytes(PROTO, ']', '(', ']', 0x94, fill(bytes('h', 0), size), 'e', '.')],
    ['strings', 'one-character str flood in a list', inList(bytes(0x8c, 1, 'x'), size)],
    ['strings', 'one ASCII str', bytes(PROTO, 'X', u32(size), 'a'.repeat(size), '.')],
    [
      'strings',
      'one UTF-8 str',
      bytes(PROTO, 'X', u32(size - (size % 3)), fill(Buffer.from('€'), size - (size % 3)), '.'),
    ],
    [
      'strings',
      'one str of lone surrogates',
      bytes(PROTO, 'X', u32(size - (size % 3)), fill(Buffer.from('eda080', 'hex'), size - (size % 3)), '.'),
    ],
    ['bytes', 'empty bytes flood in a list', inList(bytes('C', 0), size)],
    ['bytes', 'one BINBYTES', bytes(PROTO, 'B', u32(size), Buffer.alloc(size, 7), '.')],
    ['ints', 'BININT flood in a list', inList(bytes('J', u32(0x40000000)), size)],
    ['ints', 'LONG1 of 9 bytes, in a list', inList(bytes(0x8a, 9, Buffer.alloc(9, 0x11)), size)],
    ['ints', 'one LONG4 of the whole size', bytes(PROTO, 0x8b, u32(size), Buffer.alloc(size, 0x35), '.')],
    ['ints', 'BINFLOAT flood in a list', inList(bytes('G', Buffer.alloc(8, 0x40)), size)],
    ['frames', 'FRAME flood', bytes(PROTO, fill(bytes(0x95, Buffer.alloc(8)), size), 'N.')],
    [
      'globals',
      'STACK_GLOBAL flood (memoized names)',
      bytes(PROTO, 0x8c, 8, 'datetime', 0x94, onStack(bytes('h', 0, 'h', 0, 0x93), size).subarray(2)),
    ],
    ['globals', 'GLOBAL flood', onStack(bytes('cdatetime\ndate\n'), size)],
    [
      'globals',
      'datetimes through REDUCE, in a list',
      bytes(
        PROTO,
        ']',
        '(',
        0x8c,
        8,
        'datetime',
        0x94,
        'h',
        0,
        0x93,
        0x94,
        'C',
        10,
        DATETIME_STATE,
        0x85,
        'R',
        fill(bytes('h', 1, 'C', 10, DATETIME_STATE, 0x85, 'R'), size),
        'e',
        '.',
      ),
    ],
    ['nesting', 'lists nested 100 deep, in a list', inList(deep, size)],
    ['nesting', 'memo references to a chain 5,882 deep', deepThroughMemo()],
    [
      'sharing',
      'tuples doubling through memo (2^60 nodes)',
      bytes(PROTO, ']', 0x94, ...Array.from({ length: 60 }, (_, level) => bytes('h', level, 0x86, 0x94)), '.'),
    ],
    [
      'sharing',
      'one 64 KB str referenced in a list',
      bytes(PROTO, 'X', u32(65_536), 'a'.repeat(65_536), 0x94, ']', '(', fill(bytes('h', 0), size), 'e', '.'),
    ],
    ...fromPython,
    ['reference', 'a list of records, as CPython writes it', writePickle(records(size))],
  ];
}

/**
 * 12 KB that nest `levels` deep through memo references: a chain of 1-tuples, each holding
 * the one before (TUPLE1, MEMOIZE: 2 bytes a level), and a list holding every 98th (`every`) link
 * and the last one, in that order. Each link is first reached one level below the list,
 * with the links under it already seen: a reader that checks the depth only where it first
 * converts a node never sees more than 99 levels, and the value nests `levels` + 1.
 */
export function deepThroughMemo(levels = 5881, every = 98): Buffer {
  const parts: Buffer[] = [bytes(PROTO, ']', '(', ')', 0x94)];
  for (let level = 1; level <= levels; level++) {
    parts.push(bytes(0x85, 0x94));
    // Leave this link on the stack (it goes into the list) and go on from a copy.
    if (level % every === 0 && level < levels) parts.push(bytes('j', u32(level)));
  }
  return bytes(...parts, 'e', '.');
}

/** LONG_BINPUT of None to slots 4,099 apart: a memo that is mostly holes. */
function scatteredPuts(size: number): Buffer {
  const out = Buffer.alloc(Math.floor(size / 5) * 5);
  for (let at = 0, slot = 0; at < out.length; at += 5, slot += 4099) {
    out[at] = 0x72;
    out.writeUInt32LE(slot % 0x100000000, at + 1);
  }
  return out;
}

/** Rows like a Django queryset's .values(): a dict per row, a few fields each. */
function records(size: number): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; rows.length * 40 < size; i++)
    rows.push({ id: i, name: `user ${i}`, active: i % 2 === 0, score: i / 7 });
  return rows;
}
