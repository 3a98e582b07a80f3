import { CacheValueError } from '../errors/cache.errors';
import type { Factory } from '../get-or-set/get-or-set-ports';

export function assertDelta(delta: number): void {
  if (!Number.isSafeInteger(delta)) {
    throw new CacheValueError(`incr/decr delta must be a safe integer, got ${String(delta)}`, 'NOT_AN_INTEGER');
  }
}

/** The factory, with an undefined result turned into null (stored as JSON null, or pickled None). */
export function nullForUndefined<T>(factory: Factory<T>): Factory<T> {
  return (context) => {
    const result = factory(context);
    if (result === undefined) return null as T;
    return isThenable(result)
      ? Promise.resolve(result).then((value) => (value === undefined ? (null as T) : value))
      : result;
  };
}

function isThenable<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
