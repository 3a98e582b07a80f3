/**
 * What the pickle reader builds before the result is turned into JS values: containers
 * keep their Python kind (a tuple is not a list, a dict may have any keys), so REDUCE can
 * check the arguments of the few constructors it allows, and the final conversion can
 * tell a dict with string keys (a plain object) from one with other keys (a Map).
 * Scalars (None, bool, int, float, str) are JS primitives already; bytes are Buffers and
 * datetimes Dates.
 */
export class PyList {
  readonly items: unknown[] = [];
}

export class PyTuple {
  constructor(readonly items: unknown[]) {}
}

export class PyDict {
  readonly keys: unknown[] = [];
  readonly values: unknown[] = [];
}

export class PySet {
  readonly items: unknown[] = [];
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
