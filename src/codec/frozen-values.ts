import { TextMemo } from '../common/text-memo';
import { NOT_STORABLE } from './value-codec';
import type { ValueFormat } from './value-format';

/**
 * A value as CACHE_L1_VALUES=frozen hands it out: nothing in it can be changed. TypeScript
 * cannot tie a return type to a runtime setting, so callers name it where they read:
 * `cache.get<DeepReadonly<User>>('user:1')`.
 */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer Item)[]
    ? readonly DeepReadonly<Item>[]
    : T extends object
      ? { readonly [Key in keyof T]: DeepReadonly<T[Key]> }
      : T;

/**
 * CACHE_L1_VALUES=frozen: each stored text is decoded once and deep-frozen, and every read
 * of that text hands out the same frozen value, so a hit costs a lookup instead of a parse
 * (half of an L1 hit was the JSON.parse of the copy). No caller can change what another
 * reads, because nothing can be changed: in strict mode a write to it throws.
 *
 * Keyed by the text itself: the same text always decodes to the same value, so a value
 * can never be stale here, whichever entry it came from. Bounded like the store in front
 * of it (`maxEntries`), oldest first out (TextMemo).
 *
 * Values holding a Date, Map, Set, Buffer or typed array are not frozen: Object.freeze
 * cannot stop their own methods (setTime, set, add, fill) from changing them. Those are
 * decoded on every read, a copy each time, as in the default mode.
 */
export interface FrozenValueFormat extends ValueFormat {
  /**
   * `value` as a read would hand it out: itself if it is a value this format froze (or a
   * primitive), else its frozen counterpart. For a value a caller produced, such as a
   * getOrSet factory's result.
   */
  handOut<T>(value: T): T;
}

export function frozenValueFormat(format: ValueFormat, maxEntries: number): FrozenValueFormat {
  // Bounded in entries like the store; the texts it keeps are the store's own while they are there.
  const frozen = new TextMemo<{ value: unknown }>(maxEntries, Number.MAX_SAFE_INTEGER);
  /** The values frozen here: a value frozen elsewhere may be frozen on its surface only. */
  const ours = new WeakSet<object>();
  const decode = <T>(text: string): T | typeof NOT_STORABLE => {
    // A long text is not kept (TextMemo): it is decoded and frozen on every read, slower, never wrong.
    const known = frozen.get(text);
    if (known !== undefined) return known.value as T;
    const value = format.decode<T>(text);
    if (value !== NOT_STORABLE && deepFreeze(value)) {
      frozen.set(text, { value });
      if (typeof value === 'object' && value !== null) ours.add(value);
    }
    return value;
  };
  const copy = <T>(value: T): T => {
    const read = decode<T>(format.encode(value));
    return read === NOT_STORABLE ? format.copy(value) : read;
  };
  return {
    encode: (value) => format.encode(value),
    decode,
    copy,
    handOut: <T>(value: T): T => (typeof value !== 'object' || value === null || ours.has(value) ? value : copy(value)),
    byteLength: (text) => format.byteLength(text),
    readSizeExceeded: (text, allowance) => format.readSizeExceeded(text, allowance),
    maxBytesPerChar: format.maxBytesPerChar,
    binary: format.binary,
  };
}

/**
 * Freezes `value` and everything it holds, if all of it is plain objects, arrays and
 * primitives; otherwise changes nothing and answers false (a value half frozen would be
 * neither a safe shared value nor a free copy).
 */
export function deepFreeze(value: unknown): boolean {
  // A Set, not a list: a pickle can hold one object twice, or in a cycle.
  const found = new Set<object>();
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (next === null || typeof next !== 'object' || found.has(next)) continue;
    if (Array.isArray(next)) {
      for (const item of next) pending.push(item);
    } else {
      const prototype = Object.getPrototypeOf(next) as unknown;
      if (prototype !== Object.prototype && prototype !== null) return false;
      for (const key of Object.keys(next)) pending.push((next as Record<string, unknown>)[key]);
    }
    found.add(next);
  }
  for (const object of found) Object.freeze(object);
  return true;
}
