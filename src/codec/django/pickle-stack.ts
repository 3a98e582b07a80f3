import { refuse } from './pickle-refusal';

/**
 * The pickle machine's stack and its marks. The stack below the innermost mark belongs to
 * an enclosing opcode: reaching it is an underflow, refused like any malformed pickle.
 * Nothing here spreads an array into arguments: a mark may hold millions of items.
 */
export class PickleStack {
  private readonly items: unknown[] = [];
  private readonly marks: number[] = [];

  push(value: unknown): void {
    this.items.push(value);
  }

  mark(): void {
    this.marks.push(this.items.length);
  }

  pop(): unknown {
    if (this.items.length <= this.fence) refuse('a malformed pickle');
    return this.items.pop();
  }

  peek(): unknown {
    if (this.items.length <= this.fence) refuse('a malformed pickle');
    return this.items[this.items.length - 1];
  }

  /** The items above the innermost mark, which is removed. */
  popToMark(): unknown[] {
    return this.items.splice(this.popMark());
  }

  /** How many items are above the innermost mark, and the one at `i` of them (0: the lowest). */
  countToMark(): number {
    if (this.marks.length === 0) refuse('a malformed pickle');
    return this.items.length - this.marks[this.marks.length - 1];
  }

  aboveMark(i: number): unknown {
    return this.items[this.marks[this.marks.length - 1] + i];
  }

  /** Drops the items above the innermost mark, and the mark: they were read in place, with no copy. */
  dropToMark(): void {
    this.items.length = this.popMark();
  }

  private popMark(): number {
    const mark = this.marks.pop();
    if (mark === undefined) refuse('a malformed pickle');
    return mark;
  }

  /** The item just below the innermost mark: the container APPENDS, SETITEMS or ADDITEMS fill. */
  belowMark(): unknown {
    const mark = this.marks.length > 0 ? this.marks[this.marks.length - 1] : 0;
    // Below it is the enclosing mark's ground, or nothing.
    const fence = this.marks.length > 1 ? this.marks[this.marks.length - 2] : 0;
    if (mark <= fence) refuse('a malformed pickle');
    return this.items[mark - 1];
  }

  /** The one value a complete pickle leaves. */
  last(): unknown {
    if (this.marks.length > 0 || this.items.length !== 1) refuse('a malformed pickle');
    return this.items[0];
  }

  private get fence(): number {
    return this.marks.length > 0 ? this.marks[this.marks.length - 1] : 0;
  }
}
