import { CacheValueError } from '../../errors/cache.errors';
import { BATCH_SIZE, FRAME_HEADER_SIZE, FRAME_SIZE_MIN, FRAME_SIZE_TARGET, OP } from './pickle-opcodes';
import { MAX_NESTING } from './pickle-limits';
import { datetimeState } from './python-datetime';
import { encodeLong } from './python-int';
import { encodePythonStr, hasLoneSurrogate } from './python-str';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/**
 * Writes a JS value as the pickle CPython's `pickle.dumps(value, 5)` writes for the equal
 * Python value: the same opcodes, memo indexes and frames, byte for byte, as long as the
 * Python value holds no object twice (Python then writes a memo reference, which a JS
 * value cannot express), and but for the order of set elements (Python's is by hash).
 * Being byte-identical is what lets a compare-and-delete match an entry Django wrote.
 *
 * The only globals ever written are `datetime.datetime` (for a Date, through STACK_GLOBAL
 * and REDUCE on one bytes argument, as CPython does). Nothing else that names code.
 */
export function writePickle(value: unknown): Buffer {
  return new PickleWriter().dump(value);
}

class PickleWriter {
  private buf = Buffer.allocUnsafe(256);
  private len = 0;
  private framing = false;
  /** Where the open frame's 9 reserved header bytes start, or -1. */
  private frameStart = -1;
  private memoSize = 0;
  /** Memo indexes of what CPython memoizes once per pickle: the module name and each class. */
  private readonly shared = new Map<string, number>();
  /** Objects on the current path: a value that contains itself cannot be written. */
  private readonly open = new Set<object>();

  dump(value: unknown): Buffer {
    this.write(OP.PROTO, 5);
    this.framing = true;
    this.save(value, 0);
    this.write(OP.STOP);
    this.commitFrame();
    return this.buf.subarray(0, this.len);
  }

  private save(value: unknown, depth: number): void {
    this.objectBoundary();
    switch (typeof value) {
      case 'string':
        return this.saveStr(value);
      case 'number':
        if (Number.isSafeInteger(value) && !Object.is(value, -0)) return this.saveInt(value);
        return this.saveFloat(value);
      case 'bigint':
        return this.saveBigInt(value);
      case 'boolean':
        return this.write(value ? OP.NEWTRUE : OP.NEWFALSE);
      case 'undefined':
        // Only reachable as an array element: JSON's rule, null in its place.
        return this.write(OP.NONE);
      case 'object':
        if (value === null) return this.write(OP.NONE);
        return this.saveObject(value, depth);
      default:
        throw unsupported(typeof value);
    }
  }

  private saveObject(value: object, depth: number): void {
    if (value instanceof Date) return this.saveDatetime(value);
    if (value instanceof Uint8Array) return this.saveBytes(value);
    if (depth >= MAX_NESTING) {
      throw new CacheValueError(`a value nested deeper than ${MAX_NESTING} levels cannot be stored for Django`, 'UNSUPPORTED_TYPE');
    }
    if (this.open.has(value)) throw new CacheValueError('a circular structure cannot be cached', 'CIRCULAR');
    this.open.add(value);
    try {
      if (Array.isArray(value)) return this.saveList(value, depth + 1);
      if (value instanceof Map) return this.saveDict([...value], depth + 1, true);
      if (value instanceof Set) return this.saveSet([...value], depth + 1);
      if (!isPlainObject(value)) throw unsupported(value.constructor?.name ?? 'object');
      const entries: [string, unknown][] = [];
      for (const key of Object.keys(value)) {
        const item = (value as Record<string, unknown>)[key];
        // JSON's rule: a property whose value is undefined is left out.
        if (item !== undefined) entries.push([key, item]);
      }
      return this.saveDict(entries, depth + 1, false);
    } finally {
      this.open.delete(value);
    }
  }

  /** CPython ends a frame that reached its target size before it saves the next object. */
  private objectBoundary(): void {
    if (this.frameStart !== -1 && this.len - this.frameStart - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET) this.commitFrame();
  }

  private saveInt(value: number): void {
    if (value >= 0 && value <= 0xff) return this.write(OP.BININT1, value);
    if (value >= 0 && value <= 0xffff) return this.write(OP.BININT2, value & 0xff, value >> 8);
    if (value >= INT32_MIN && value <= INT32_MAX) return this.write(OP.BININT, value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >>> 24) & 0xff);
    this.saveLong(BigInt(value));
  }

  private saveBigInt(value: bigint): void {
    if (value >= BigInt(INT32_MIN) && value <= BigInt(INT32_MAX)) return this.saveInt(Number(value));
    this.saveLong(value);
  }

  private saveLong(value: bigint): void {
    const bytes = encodeLong(value);
    if (bytes.length < 256) this.write(OP.LONG1, bytes.length);
    else this.write(OP.LONG4, ...uint32(bytes.length));
    this.writeBytes(bytes);
  }

  private saveFloat(value: number): void {
    const bytes = Buffer.allocUnsafe(8);
    bytes.writeDoubleBE(value);
    this.write(OP.BINFLOAT);
    this.writeBytes(bytes);
  }

  private saveStr(value: string): void {
    if (value.length < 256 && isAscii(value)) this.writeShortAscii(value);
    else if (hasLoneSurrogate(value)) this.writeSized(encodePythonStr(value), OP.SHORT_BINUNICODE, OP.BINUNICODE, OP.BINUNICODE8);
    else this.writeSized(value, OP.SHORT_BINUNICODE, OP.BINUNICODE, OP.BINUNICODE8);
    this.memoize();
  }

  /** Most cached strings: one byte per character, copied here; Buffer.write's own overhead was a quarter of a write. */
  private writeShortAscii(value: string): void {
    this.write(OP.SHORT_BINUNICODE, value.length);
    this.reserve(value.length);
    for (let i = 0; i < value.length; i++) this.buf[this.len++] = value.charCodeAt(i);
  }

  private saveBytes(value: Uint8Array): void {
    this.writeSized(value, OP.SHORT_BINBYTES, OP.BINBYTES, OP.BINBYTES8);
    this.memoize();
  }

  /** A naive datetime in UTC: `datetime.datetime(state)` through REDUCE, as CPython reduces it. */
  private saveDatetime(value: Date): void {
    let state: Buffer;
    try {
      state = datetimeState(value);
    } catch (error) {
      throw new CacheValueError(`${(error as Error).message}; it cannot be stored for Django`, 'UNSUPPORTED_TYPE');
    }
    this.saveGlobal('datetime');
    this.save(state, 0); // the argument tuple's one item; save() first, as CPython's save_tuple does
    this.write(OP.TUPLE1);
    this.memoize();
    this.write(OP.REDUCE);
    this.memoize();
  }

  /** `datetime.<name>`: STACK_GLOBAL the first time, a memo reference after, as CPython does. */
  private saveGlobal(name: 'datetime'): void {
    this.objectBoundary();
    const known = this.shared.get(`class ${name}`);
    if (known !== undefined) return this.memoGet(known);
    // The module name is one str object for every class of the module; the class name is the class's own.
    this.objectBoundary();
    const moduleName = this.shared.get('module datetime');
    if (moduleName !== undefined) this.memoGet(moduleName);
    else {
      this.saveStr('datetime');
      this.shared.set('module datetime', this.memoSize - 1);
    }
    this.objectBoundary();
    this.saveStr(name);
    this.write(OP.STACK_GLOBAL);
    this.shared.set(`class ${name}`, this.memoize());
  }

  private saveList(items: unknown[], depth: number): void {
    this.write(OP.EMPTY_LIST);
    this.memoize();
    if (items.length === 1) {
      this.save(items[0], depth);
      return this.write(OP.APPEND);
    }
    for (let start = 0; start < items.length; start += BATCH_SIZE) {
      this.write(OP.MARK);
      for (let i = start; i < Math.min(start + BATCH_SIZE, items.length); i++) this.save(items[i], depth);
      this.write(OP.APPENDS);
    }
  }

  private saveDict(entries: [unknown, unknown][], depth: number, anyKeys: boolean): void {
    if (anyKeys) assertDistinctKeys(entries.map(([key]) => key), 'keys of a Map');
    this.write(OP.EMPTY_DICT);
    this.memoize();
    if (entries.length === 1) {
      this.save(entries[0][0], depth);
      this.save(entries[0][1], depth);
      return this.write(OP.SETITEM);
    }
    for (let start = 0; start < entries.length; start += BATCH_SIZE) {
      this.write(OP.MARK);
      for (let i = start; i < Math.min(start + BATCH_SIZE, entries.length); i++) {
        this.save(entries[i][0], depth);
        this.save(entries[i][1], depth);
      }
      this.write(OP.SETITEMS);
    }
  }

  private saveSet(items: unknown[], depth: number): void {
    assertDistinctKeys(items, 'elements of a Set');
    this.write(OP.EMPTY_SET);
    this.memoize();
    for (let start = 0; start < items.length; start += BATCH_SIZE) {
      this.write(OP.MARK);
      for (let i = start; i < Math.min(start + BATCH_SIZE, items.length); i++) this.save(items[i], depth);
      this.write(OP.ADDITEMS);
    }
  }

  /**
   * str and bytes: the short, 4-byte or 8-byte length form; a payload of a frame's size or
   * more goes outside frames. A string payload is well-formed text, written as UTF-8 in place.
   */
  private writeSized(payload: Uint8Array | string, short: number, long: number, huge: number): void {
    const size = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length;
    const header = size < 256 ? [short, size] : size <= 0xffffffff ? [long, ...uint32(size)] : [huge, ...uint64(size)];
    if (size < FRAME_SIZE_TARGET) {
      this.write(...header);
      this.writeBytes(payload);
      return;
    }
    this.commitFrame();
    this.framing = false;
    this.write(...header);
    this.writeBytes(payload);
    this.framing = true;
  }

  private memoize(): number {
    this.write(OP.MEMOIZE);
    return this.memoSize++;
  }

  private memoGet(index: number): void {
    if (index < 256) this.write(OP.BINGET, index);
    else this.write(OP.LONG_BINGET, ...uint32(index));
  }

  private write(...bytes: number[]): void {
    this.reserve(bytes.length);
    for (const byte of bytes) this.buf[this.len++] = byte;
  }

  private writeBytes(bytes: Uint8Array | string): void {
    if (typeof bytes === 'string') {
      const size = Buffer.byteLength(bytes, 'utf8');
      this.reserve(size);
      this.len += this.buf.write(bytes, this.len, size, 'utf8');
      return;
    }
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** Room for `size` more bytes, and the open frame's header if this write starts one. */
  private reserve(size: number): void {
    const opensFrame = this.framing && this.frameStart === -1;
    const needed = this.len + size + (opensFrame ? FRAME_HEADER_SIZE : 0);
    if (needed > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    if (opensFrame) {
      this.frameStart = this.len;
      this.len += FRAME_HEADER_SIZE;
    }
  }

  private commitFrame(): void {
    if (this.frameStart === -1) return;
    const frameLength = this.len - this.frameStart - FRAME_HEADER_SIZE;
    if (frameLength >= FRAME_SIZE_MIN) {
      this.buf[this.frameStart] = OP.FRAME;
      this.buf.writeBigUInt64LE(BigInt(frameLength), this.frameStart + 1);
    } else {
      this.buf.copyWithin(this.frameStart, this.frameStart + FRAME_HEADER_SIZE, this.len);
      this.len -= FRAME_HEADER_SIZE;
    }
    this.frameStart = -1;
  }
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

function uint32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

function uint64(value: number): number[] {
  const low = value % 2 ** 32;
  return [...uint32(low), ...uint32(Math.floor(value / 2 ** 32))];
}

/**
 * Dict keys and set elements must be hashable in Python, and distinct as Python compares
 * them: 1, 1n, 1.0 and true are one key there. A Map or Set that breaks either rule has
 * no equal Python value, so it is refused rather than silently merged.
 */
function assertDistinctKeys(keys: unknown[], what: string): void {
  const seen = new Set<string>();
  for (const key of keys) {
    const identity = pythonIdentity(key, what);
    if (identity === undefined) continue;
    if (seen.has(identity)) throw new CacheValueError(`two ${what} are the same key in Python (${identity}); it cannot be stored for Django`, 'UNSUPPORTED_TYPE');
    seen.add(identity);
  }
}

/** How Python tells keys apart; undefined for NaN, which equals nothing. */
function pythonIdentity(key: unknown, what: string): string | undefined {
  switch (typeof key) {
    case 'string':
      return `str ${JSON.stringify(key)}`;
    case 'boolean':
      return `int ${key ? 1 : 0}`;
    case 'bigint':
      return `int ${key}`;
    case 'number':
      if (Number.isNaN(key)) return undefined;
      return Number.isInteger(key) ? `int ${BigInt(key)}` : `float ${key}`;
    case 'object':
      if (key === null) return 'None';
      if (key instanceof Date) return `datetime ${Number.isNaN(key.getTime()) ? 'invalid' : key.toISOString()}`;
      if (key instanceof Uint8Array) return `bytes ${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')}`;
  }
  throw new CacheValueError(`the ${what} must be hashable in Python: strings, numbers, BigInts, booleans, null, Dates or Buffers`, 'UNSUPPORTED_TYPE');
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function unsupported(what: string): CacheValueError {
  return new CacheValueError(
    `a value of type ${what} cannot be stored for Django (supported: null, booleans, numbers, BigInt, strings, Buffer, Uint8Array, arrays, plain objects, Map, Set, Date)`,
    'UNSUPPORTED_TYPE',
  );
}
