import { CacheValueError } from '../../errors/cache.errors';
import { BATCH_SIZE, OP } from './pickle-opcodes';
import { MAX_NESTING } from './pickle-limits';
import { PickleOutput, uint32 } from './pickle-output';
import { datetimeState } from './python-datetime';
import { encodeLong } from './python-int';
import { assertDistinctKeys } from './python-keys';
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

class PickleWriter extends PickleOutput {
  /** Memo indexes of what CPython memoizes once per pickle: the module name and each class. */
  private readonly shared = new Map<string, number>();
  /** Objects on the current path: a value that contains itself cannot be written. */
  private readonly open = new Set<object>();

  dump(value: unknown): Buffer {
    this.begin();
    this.save(value, 0);
    return this.finish();
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
      throw new CacheValueError(
        `a value nested deeper than ${MAX_NESTING} levels cannot be stored for Django`,
        'UNSUPPORTED_TYPE',
      );
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

  private saveInt(value: number): void {
    if (value >= 0 && value <= 0xff) return this.write(OP.BININT1, value);
    if (value >= 0 && value <= 0xffff) return this.write(OP.BININT2, value & 0xff, value >> 8);
    if (value >= INT32_MIN && value <= INT32_MAX)
      return this.write(OP.BININT, value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff, (value >>> 24) & 0xff);
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
    else if (hasLoneSurrogate(value))
      this.writeSized(encodePythonStr(value), OP.SHORT_BINUNICODE, OP.BINUNICODE, OP.BINUNICODE8);
    else this.writeSized(value, OP.SHORT_BINUNICODE, OP.BINUNICODE, OP.BINUNICODE8);
    this.memoize();
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
    if (anyKeys)
      assertDistinctKeys(
        entries.map(([key]) => key),
        'keys of a Map',
      );
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
}

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function unsupported(what: string): CacheValueError {
  return new CacheValueError(
    `a value of type ${what} cannot be stored for Django (supported: null, booleans, numbers, BigInt, strings, Buffer, Uint8Array, arrays, plain objects, Map, Set, Date)`,
    'UNSUPPORTED_TYPE',
  );
}
