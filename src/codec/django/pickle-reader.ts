import { constructAllowed, globalNamed } from './allowed-globals';
import { OP, PICKLE_REFUSED_OPCODES } from './pickle-opcodes';
import { DEFAULT_READ_LIMITS, READ_COST, type ReadLimits } from './pickle-limits';
import { refuse } from './pickle-refusal';
import { PickleStack } from './pickle-stack';
import { decodeLong, fromPythonInt, readBinFloat } from './python-int';
import { decodePythonStr } from './python-str';
import {
  PyContainer,
  PyDict,
  PyGlobal,
  PyList,
  PyLong,
  PySet,
  PyTimedelta,
  PyTimezone,
  PyTuple,
} from './python-values';
import { ValueBuilder } from './value-builder';

/** A GLOBAL line longer than this cannot name an allowed global ("datetime" and "timedelta"). */
const MAX_GLOBAL_LINE = 32;

// One file on purpose (over 300 lines once formatted): the opcode switch and the budget
// checks it makes are one audit surface. Split, a reader of one file could miss an opcode
// that builds without being charged; the builders it calls are already in value-builder.ts.

/**
 * Reads a pickle of the types in docs/migration.md, and nothing else. It is a stack machine
 * over a fixed set of opcodes that only build data: lists, tuples, dicts, sets, scalars,
 * and datetimes through REDUCE on `datetime.datetime` / `datetime.date` (with
 * `datetime.timezone` / `datetime.timedelta` for aware ones). No opcode can call anything
 * else, so no pickle can run code here, whatever it names.
 *
 * Its cost is bounded while it runs, before anything is built: every opcode consumes at
 * least one byte and does O(1) work per item it moves; every length is checked against
 * the bytes that are left; what each opcode builds is charged to a heap budget linear in
 * the input's length; nesting and expanded size are known for each container as it is
 * built (python-values.ts says why that is exact) and refused past their limits.
 *
 * Throws PickleRefusal for anything outside that subset or those bounds.
 */
export function readPickle(bytes: Buffer, limits: ReadLimits = DEFAULT_READ_LIMITS): unknown {
  return new PickleMachine(bytes, limits).run();
}

class PickleMachine {
  private pos = 0;
  private readonly stack = new PickleStack();
  /** Indexed by memo slot; a slot never written is undefined, a value never is (None is null). */
  private readonly memo: unknown[] = [];
  private memoCount = 0;
  private readonly build: ValueBuilder;

  constructor(
    private readonly bytes: Buffer,
    limits: ReadLimits,
  ) {
    this.build = new ValueBuilder(limits, bytes.length);
  }

  run(): unknown {
    if (this.u8() !== OP.PROTO) refuse('not a pickle');
    const protocol = this.u8();
    if (protocol < 2 || protocol > 5) refuse('a pickle protocol other than 2 to 5');
    for (;;) {
      const op = this.u8();
      if (op === OP.STOP) return this.stop();
      this.step(op);
    }
  }

  private stop(): unknown {
    const root = this.stack.last();
    // Python ignores bytes after STOP; none of its pickles has any, so they are refused.
    if (this.pos !== this.bytes.length) refuse('bytes after the end of the pickle');
    if (root instanceof PyContainer) {
      if (root instanceof PyTuple && root.holdsType) refuse('a type that is not a cache value');
      return root.js;
    }
    return this.scalar(root);
  }

  private step(op: number): void {
    switch (op) {
      case OP.FRAME: {
        const size = this.u64();
        if (size > this.bytes.length - this.pos) refuse('a frame longer than the value');
        return;
      }
      case OP.MARK:
        return this.stack.mark();
      case OP.NONE:
        return this.stack.push(null);
      case OP.NEWTRUE:
        return this.stack.push(true);
      case OP.NEWFALSE:
        return this.stack.push(false);
      case OP.BININT1:
        return this.stack.push(this.u8());
      case OP.BININT2:
        return this.stack.push(this.u8() | (this.u8() << 8));
      case OP.BININT:
        return this.stack.push(this.i32());
      case OP.LONG1:
        return this.stack.push(this.long(this.u8()));
      case OP.LONG4: {
        const size = this.i32();
        if (size < 0) refuse('a negative length');
        return this.stack.push(this.long(size));
      }
      case OP.BINFLOAT: {
        const value = readBinFloat(this.bytes, this.pos);
        this.pos += 8;
        return this.stack.push(value);
      }
      case OP.SHORT_BINUNICODE:
        return this.stack.push(this.str(this.u8()));
      case OP.BINUNICODE:
        return this.stack.push(this.str(this.u32()));
      case OP.BINUNICODE8:
        return this.stack.push(this.str(this.u64()));
      case OP.SHORT_BINBYTES:
        return this.stack.push(this.copyOut(this.u8()));
      case OP.BINBYTES:
        return this.stack.push(this.copyOut(this.u32()));
      case OP.BINBYTES8:
      case OP.BYTEARRAY8:
        return this.stack.push(this.copyOut(this.u64()));
      case OP.EMPTY_LIST:
        this.build.spend(READ_COST.list);
        return this.stack.push(new PyList());
      case OP.APPEND: {
        const item = this.stack.pop();
        const list = this.build.unplaced(this.stack.peek(), PyList);
        list.items.push(this.build.place(list, item));
        return;
      }
      case OP.APPENDS: {
        const count = this.stack.countToMark();
        const list = this.build.unplaced(this.stack.belowMark(), PyList);
        for (let i = 0; i < count; i++) list.items.push(this.build.place(list, this.stack.aboveMark(i)));
        return this.stack.dropToMark();
      }
      case OP.EMPTY_TUPLE:
        this.build.spend(READ_COST.tuple);
        return this.stack.push(new PyTuple([]));
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const count = op - OP.TUPLE1 + 1;
        const items: unknown[] = new Array(count);
        for (let i = count - 1; i >= 0; i--) items[i] = this.stack.pop();
        return this.stack.push(this.build.tuple(items));
      }
      case OP.TUPLE:
        return this.stack.push(this.build.tuple(this.stack.popToMark()));
      case OP.EMPTY_DICT:
        this.build.spend(READ_COST.dict);
        return this.stack.push(new PyDict());
      case OP.SETITEM: {
        const value = this.stack.pop();
        const key = this.stack.pop();
        this.build.setItem(this.build.unplaced(this.stack.peek(), PyDict), key, value);
        return;
      }
      case OP.SETITEMS: {
        const count = this.stack.countToMark();
        if (count % 2 !== 0) refuse('a malformed pickle');
        const dict = this.build.unplaced(this.stack.belowMark(), PyDict);
        for (let i = 0; i < count; i += 2)
          this.build.setItem(dict, this.stack.aboveMark(i), this.stack.aboveMark(i + 1));
        return this.stack.dropToMark();
      }
      case OP.EMPTY_SET:
        this.build.spend(READ_COST.set);
        return this.stack.push(new PySet());
      case OP.ADDITEMS: {
        const count = this.stack.countToMark();
        const set = this.build.unplaced(this.stack.belowMark(), PySet);
        for (let i = 0; i < count; i++) set.items.add(this.build.place(set, this.stack.aboveMark(i)));
        return this.stack.dropToMark();
      }
      case OP.FROZENSET: {
        const count = this.stack.countToMark();
        this.build.spend(READ_COST.set);
        const set = new PySet();
        for (let i = 0; i < count; i++) set.items.add(this.build.place(set, this.stack.aboveMark(i)));
        this.stack.dropToMark();
        return this.stack.push(set);
      }
      case OP.MEMOIZE:
        // Python's len(memo): the slots in use, which BINPUT may have scattered.
        return this.memoize(this.memoCount);
      case OP.BINPUT:
        return this.memoize(this.u8());
      case OP.LONG_BINPUT:
        return this.memoize(this.u32());
      case OP.BINGET:
        return this.stack.push(this.memoAt(this.u8()));
      case OP.LONG_BINGET:
        return this.stack.push(this.memoAt(this.u32()));
      case OP.GLOBAL: {
        const module = this.line();
        const name = this.line();
        this.build.spend(READ_COST.object);
        return this.stack.push(globalNamed(module, name));
      }
      case OP.STACK_GLOBAL: {
        const name = this.stack.pop();
        const module = this.stack.pop();
        if (typeof module !== 'string' || typeof name !== 'string') refuse('a malformed pickle');
        this.build.spend(READ_COST.object);
        return this.stack.push(globalNamed(module, name));
      }
      case OP.REDUCE: {
        const args = this.stack.pop();
        const callable = this.stack.pop();
        if (!(callable instanceof PyGlobal)) refuse('REDUCE on something that is not an allowed global');
        if (!(args instanceof PyTuple)) refuse('REDUCE without an argument tuple');
        this.build.spend(READ_COST.object);
        return this.stack.push(constructAllowed(callable.name, args.items));
      }
      default: {
        const name = PICKLE_REFUSED_OPCODES[op];
        return refuse(
          name
            ? `the opcode ${name}, which this reader does not allow`
            : `an unknown opcode 0x${op.toString(16).padStart(2, '0')}`,
        );
      }
    }
  }

  private scalar(value: unknown): unknown {
    if (value instanceof PyGlobal || value instanceof PyTimedelta || value instanceof PyTimezone)
      refuse('a type that is not a cache value');
    return value instanceof PyLong ? value.value : value;
  }

  private memoize(index: number): void {
    this.build.spend(READ_COST.memo);
    if (this.memo[index] === undefined) this.memoCount++;
    this.memo[index] = this.stack.peek();
  }

  private memoAt(index: number): unknown {
    const value = this.memo[index];
    if (value === undefined) refuse('a memo reference to nothing');
    return value;
  }

  private long(size: number): number | bigint | PyLong {
    const payload = this.take(size);
    this.build.spend(READ_COST.scalar + size);
    const value = fromPythonInt(decodeLong(payload));
    return typeof value === 'bigint' ? new PyLong(value, size) : value;
  }

  private str(size: number): string {
    const start = this.claim(size);
    // A JS string takes up to two bytes a character; UTF-8 takes at least one byte a character.
    this.build.spend(READ_COST.scalar + 2 * size);
    return decodePythonStr(this.bytes, start, start + size);
  }

  /** A bytes value of its own: the input buffer is not kept alive by the result. */
  private copyOut(size: number): Buffer {
    const start = this.claim(size);
    this.build.spend(READ_COST.bytes + size);
    const out = Buffer.allocUnsafe(size);
    this.bytes.copy(out, 0, start, start + size);
    return out;
  }

  /** Where the next `size` bytes start; refused if the input has fewer. */
  private claim(size: number): number {
    if (size > this.bytes.length - this.pos) refuse('a length beyond the end of the value');
    const start = this.pos;
    this.pos += size;
    return start;
  }

  private take(size: number): Buffer {
    const start = this.claim(size);
    return this.bytes.subarray(start, start + size);
  }

  private u8(): number {
    if (this.pos >= this.bytes.length) refuse('truncated');
    return this.bytes[this.pos++];
  }

  private u32(): number {
    const b = this.take(4);
    return (b[0] | (b[1] << 8) | (b[2] << 16)) + b[3] * 0x1000000;
  }

  private i32(): number {
    const b = this.take(4);
    return b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24);
  }

  /** An 8-byte length; anything past the input is refused by the caller, so a Number holds every length that matters. */
  private u64(): number {
    const low = this.u32();
    const high = this.u32();
    return high === 0 ? low : Number.MAX_SAFE_INTEGER;
  }

  private line(): string {
    let text = '';
    for (;;) {
      const byte = this.u8();
      if (byte === 0x0a) return text;
      if (text.length >= MAX_GLOBAL_LINE || byte < 0x20 || byte > 0x7e)
        refuse('a global other than the datetime types');
      text += String.fromCharCode(byte);
    }
  }
}
