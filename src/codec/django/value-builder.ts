import { expandedSize } from './expanded-size';
import { MAX_NESTING, READ_COST, type ReadLimits } from './pickle-limits';
import { refuse } from './pickle-refusal';
import { PyContainer, type PyDict, PyGlobal, PyLong, PyTimedelta, PyTimezone, PyTuple } from './python-values';

/**
 * The reader's budget, and the one way a value goes into a container: `place`, which
 * checks nesting and expanded size as the container grows (python-values.ts says why they
 * are exact then). What the reader builds is charged with `spend` before it is built.
 */
export class ValueBuilder {
  private heapLeft: number;

  constructor(
    private readonly limits: ReadLimits,
    pickleLength: number,
  ) {
    this.heapLeft = limits.heapBudget(pickleLength);
  }

  spend(units: number): void {
    this.heapLeft -= units;
    if (this.heapLeft < 0) refuse('a value that takes more memory to read than its size allows');
  }

  /** The container an opcode is about to change: it must not have been placed yet. */
  unplaced<T extends PyContainer>(container: unknown, kind: new (...args: never[]) => T): T {
    if (!(container instanceof kind)) refuse('a malformed pickle');
    if (container.placed) refuse('a container changed after it was placed in another (a value that contains itself)');
    return container;
  }

  /**
   * Puts `item` into `parent`: checks and adds its height and expanded size, and gives
   * the JS value to store. A container placed is sealed (see python-values.ts).
   */
  place(parent: PyContainer, item: unknown): unknown {
    this.spend(READ_COST.item);
    if (typeof item !== 'object' || item === null) {
      // The common case, kept short: None, bool, int, float and str.
      parent.size += (typeof item === 'string' ? item.length + 2 : 8) + 1;
      if (parent.size > this.limits.maxExpandedSize) refuse('shared references that expand past the size limit');
      return item;
    }
    let value: unknown = item;
    if (item instanceof PyContainer) {
      if (item === parent) refuse('a value that contains itself');
      if (item instanceof PyTuple && item.holdsType) refuse('a type that is not a cache value');
      item.placed = true;
      if (item.height >= parent.height) {
        parent.height = item.height + 1;
        if (parent.height > MAX_NESTING) refuse(`nesting deeper than ${MAX_NESTING} levels`);
      }
      value = item.js;
    } else if (item instanceof PyGlobal || item instanceof PyTimedelta || item instanceof PyTimezone) {
      // Only REDUCE's argument tuple may hold these, and such a tuple is never a value.
      if (!(parent instanceof PyTuple)) refuse('a type that is not a cache value');
      parent.holdsType = true;
    } else if (item instanceof PyLong) {
      value = item.value;
    }
    parent.size += expandedSize(item) + 1;
    if (parent.size > this.limits.maxExpandedSize) refuse('shared references that expand past the size limit');
    return value;
  }

  tuple(items: unknown[]): PyTuple {
    this.spend(READ_COST.tuple);
    const tuple = new PyTuple(items);
    for (let i = 0; i < items.length; i++) items[i] = this.place(tuple, items[i]);
    return tuple;
  }

  setItem(dict: PyDict, key: unknown, value: unknown): void {
    const placedKey = this.place(dict, key);
    dict.set(placedKey, this.place(dict, value));
  }
}
