import { OP, PICKLE_REFUSED_OPCODES } from './pickle-opcodes';
import { refuse } from './pickle-refusal';
import { constructAllowed, globalNamed } from './allowed-globals';
import { decodeLong, fromPythonInt, readBinFloat } from './python-int';
import { decodePythonStr } from './python-str';
import { PyDict, PyGlobal, PyList, PySet, PyTuple } from './python-values';
import { toJsValue } from './to-js-value';

/** A GLOBAL line longer than this cannot name an allowed global ("datetime" and "timedelta"). */
const MAX_GLOBAL_LINE = 32;

/**
 * Reads a pickle of the types in docs/migration.md, and nothing else. It is a stack machine
 * over a fixed set of opcodes that only build data: lists, tuples, dicts, sets, scalars,
 * and datetimes through REDUCE on `datetime.datetime` / `datetime.date` (with
 * `datetime.timezone` / `datetime.timedelta` for aware ones). No opcode can call anything
 * else, so no pickle can run code here, whatever it names. Every length is checked against
 * the bytes that are left before anything is allocated, so memory is bounded by the
 * input's length, and every opcode consumes at least one byte, so time is too.
 *
 * Throws PickleRefusal for anything outside that subset.
 */
export function readPickle(bytes: Buffer): unknown {
  return toJsValue(new PickleMachine(bytes).run(), bytes.length);
}

class PickleMachine {
  private pos = 0;
  private readonly stack: unknown[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, unknown>();

  constructor(private readonly bytes: Buffer) {}

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
    if (this.marks.length > 0 || this.stack.length !== 1) refuse('a malformed pickle');
    // Python ignores bytes after STOP; none of its pickles has any, so they are refused.
    if (this.pos !== this.bytes.length) refuse('bytes after the end of the pickle');
    return this.stack[0];
  }

  private step(op: number): void {
    switch (op) {
      case OP.FRAME: {
        const size = this.u64();
        if (size > this.bytes.length - this.pos) refuse('a frame longer than the value');
        return;
      }
      case OP.MARK:
        this.marks.push(this.stack.length);
        return;
      case OP.NONE:
        return this.push(null);
      case OP.NEWTRUE:
        return this.push(true);
      case OP.NEWFALSE:
        return this.push(false);
      case OP.BININT1:
        return this.push(this.u8());
      case OP.BININT2:
        return this.push(this.u8() | (this.u8() << 8));
      case OP.BININT:
        return this.push(this.i32());
      case OP.LONG1:
        return this.push(fromPythonInt(decodeLong(this.take(this.u8()))));
      case OP.LONG4: {
        const size = this.i32();
        if (size < 0) refuse('a negative length');
        return this.push(fromPythonInt(decodeLong(this.take(size))));
      }
      case OP.BINFLOAT: {
        const value = readBinFloat(this.bytes, this.pos);
        this.pos += 8;
        return this.push(value);
      }
      case OP.SHORT_BINUNICODE:
        return this.push(this.str(this.u8()));
      case OP.BINUNICODE:
        return this.push(this.str(this.u32()));
      case OP.BINUNICODE8:
        return this.push(this.str(this.u64()));
      case OP.SHORT_BINBYTES:
        return this.push(this.copyOut(this.u8()));
      case OP.BINBYTES:
        return this.push(this.copyOut(this.u32()));
      case OP.BINBYTES8:
      case OP.BYTEARRAY8:
        return this.push(this.copyOut(this.u64()));
      case OP.EMPTY_LIST:
        return this.push(new PyList());
      case OP.APPEND: {
        const item = this.pop();
        this.topOf(PyList).items.push(item);
        return;
      }
      case OP.APPENDS: {
        const items = this.popToMark();
        const list = this.topOf(PyList);
        for (const item of items) list.items.push(item);
        return;
      }
      case OP.EMPTY_TUPLE:
        return this.push(new PyTuple([]));
      case OP.TUPLE1:
      case OP.TUPLE2:
      case OP.TUPLE3: {
        const count = op - OP.TUPLE1 + 1;
        const items: unknown[] = [];
        for (let i = 0; i < count; i++) items.unshift(this.pop());
        return this.push(new PyTuple(items));
      }
      case OP.TUPLE:
        return this.push(new PyTuple(this.popToMark()));
      case OP.EMPTY_DICT:
        return this.push(new PyDict());
      case OP.SETITEM: {
        const value = this.pop();
        const key = this.pop();
        const dict = this.topOf(PyDict);
        dict.keys.push(key);
        dict.values.push(value);
        return;
      }
      case OP.SETITEMS: {
        const items = this.popToMark();
        if (items.length % 2 !== 0) refuse('a malformed pickle');
        const dict = this.topOf(PyDict);
        for (let i = 0; i < items.length; i += 2) {
          dict.keys.push(items[i]);
          dict.values.push(items[i + 1]);
        }
        return;
      }
      case OP.EMPTY_SET:
        return this.push(new PySet());
      case OP.ADDITEMS: {
        const items = this.popToMark();
        const set = this.topOf(PySet);
        for (const item of items) set.items.push(item);
        return;
      }
      case OP.FROZENSET: {
        const set = new PySet();
        set.items.push(...this.popToMark());
        return this.push(set);
      }
      case OP.MEMOIZE:
        this.memo.set(this.memo.size, this.peek());
        return;
      case OP.BINPUT:
        this.memo.set(this.u8(), this.peek());
        return;
      case OP.LONG_BINPUT:
        this.memo.set(this.u32(), this.peek());
        return;
      case OP.BINGET:
        return this.push(this.memoAt(this.u8()));
      case OP.LONG_BINGET:
        return this.push(this.memoAt(this.u32()));
      case OP.GLOBAL: {
        const module = this.line();
        const name = this.line();
        return this.push(globalNamed(module, name));
      }
      case OP.STACK_GLOBAL: {
        const name = this.pop();
        const module = this.pop();
        if (typeof module !== 'string' || typeof name !== 'string') refuse('a malformed pickle');
        return this.push(globalNamed(module, name));
      }
      case OP.REDUCE: {
        const args = this.pop();
        const callable = this.pop();
        if (!(callable instanceof PyGlobal)) refuse('REDUCE on something that is not an allowed global');
        if (!(args instanceof PyTuple)) refuse('REDUCE without an argument tuple');
        return this.push(constructAllowed(callable.name, args.items));
      }
      default: {
        const name = PICKLE_REFUSED_OPCODES[op];
        return refuse(name ? `the opcode ${name}, which this reader does not allow` : `an unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
    }
  }

  private push(value: unknown): void {
    this.stack.push(value);
  }

  /** The stack below the innermost mark belongs to an enclosing opcode: reaching it is an underflow. */
  private get fence(): number {
    return this.marks.length > 0 ? this.marks[this.marks.length - 1] : 0;
  }

  private pop(): unknown {
    if (this.stack.length <= this.fence) refuse('a malformed pickle');
    return this.stack.pop();
  }

  private peek(): unknown {
    if (this.stack.length <= this.fence) refuse('a malformed pickle');
    return this.stack[this.stack.length - 1];
  }

  private popToMark(): unknown[] {
    const mark = this.marks.pop();
    if (mark === undefined) refuse('a malformed pickle');
    return this.stack.splice(mark);
  }

  private topOf<T>(kind: new (...args: never[]) => T): T {
    const top = this.peek();
    if (!(top instanceof kind)) refuse('a malformed pickle');
    return top;
  }

  private memoAt(index: number): unknown {
    if (!this.memo.has(index)) refuse('a memo reference to nothing');
    return this.memo.get(index);
  }

  private str(size: number): string {
    const start = this.claim(size);
    return decodePythonStr(this.bytes, start, start + size);
  }

  /** A bytes value of its own: the input buffer is not kept alive by the result. */
  private copyOut(size: number): Buffer {
    const start = this.claim(size);
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
    if (size > this.bytes.length - this.pos) refuse('a length beyond the end of the value');
    const slice = this.bytes.subarray(this.pos, this.pos + size);
    this.pos += size;
    return slice;
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
      if (text.length >= MAX_GLOBAL_LINE || byte < 0x20 || byte > 0x7e) refuse('a global other than the datetime types');
      text += String.fromCharCode(byte);
    }
  }
}
