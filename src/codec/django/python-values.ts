import { setOwn } from '../value-codec';

/**
 * What the pickle reader builds. A container keeps its Python kind (a tuple is not a
 * list, a dict may have any keys) and what the read budget needs to know about it while
 * it is built: its height and its expanded size. Its JS value (`js`) is what the reader
 * hands out: list and tuple an array, a dict a plain object when every key is a str and a
 * Map otherwise, set and frozenset a Set. Scalars (None, bool, int, float, str) are JS
 * primitives already; bytes are Buffers and datetimes Dates.
 *
 * Once a container is placed inside another, it must not change: its height and size
 * were added to its parent's then. CPython's pickler writes every container complete
 * before it places it (only a value that contains itself breaks that rule, and such a
 * value is refused anyway), so the rule costs no value Python writes, and it makes both
 * bounds exact while the pickle is read, with no walk afterwards.
 */
export abstract class PyContainer {
  /** Containers on the longest path down from here, this one included. */
  height = 1;
  /** expandedSize of the value: shared references counted each time they are referenced. */
  size = 2;
  placed = false;
  abstract get js(): unknown;
}

export class PyList extends PyContainer {
  readonly items: unknown[] = [];
  get js(): unknown[] {
    return this.items;
  }
}

export class PyTuple extends PyContainer {
  /** Holds a type, timedelta or timezone: only a REDUCE argument may. */
  holdsType = false;
  constructor(readonly items: unknown[]) {
    super();
  }
  get js(): unknown[] {
    return this.items;
  }
}

export class PyDict extends PyContainer {
  private entries: Map<unknown, unknown> | undefined = new Map();
  private built: unknown;
  private stringKeys = true;

  /** Python's `d[key] = value`: a repeated key keeps its place and takes the new value. */
  set(key: unknown, value: unknown): void {
    if (typeof key !== 'string') this.stringKeys = false;
    this.entries!.set(key, value);
  }

  get js(): unknown {
    if (this.entries) {
      this.built = this.stringKeys ? toRecord(this.entries) : this.entries;
      this.entries = undefined;
    }
    return this.built;
  }
}

export class PySet extends PyContainer {
  readonly items = new Set<unknown>();
  get js(): Set<unknown> {
    return this.items;
  }
}

function toRecord(entries: Map<unknown, unknown>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, value] of entries) setOwn(record, key as string, value);
  return record;
}

/** An int beyond 2^53, kept with the length of its pickled form until it is placed: a BigInt's length costs a walk over its digits. */
export class PyLong {
  constructor(
    readonly value: bigint,
    readonly byteLength: number,
  ) {}
}

/** The only globals a pickle may name; REDUCE on them builds the values below or a Date. */
export type AllowedGlobalName = 'datetime.datetime' | 'datetime.date' | 'datetime.timezone' | 'datetime.timedelta';

export class PyGlobal {
  constructor(readonly name: AllowedGlobalName) {}
}

/** A datetime.timedelta, kept only as the argument of datetime.timezone. */
export class PyTimedelta {
  constructor(readonly totalMicroseconds: bigint) {}
}

/** A datetime.timezone: its UTC offset. */
export class PyTimezone {
  constructor(readonly offsetMicroseconds: bigint) {}
}
