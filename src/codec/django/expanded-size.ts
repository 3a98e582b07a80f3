import { PyContainer, PyLong } from './python-values';

/**
 * About the length of a value's JSON text, which is also about what any walk over it
 * costs (the writer, a copy, JSON.stringify): str and bytes by their length, a large int
 * by its pickled length, anything else a few characters. O(1): a container carries its
 * own (PyContainer.size), summed as it was built.
 */
export function expandedSize(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
    case 'bigint':
      return 8;
    case 'object':
      if (value instanceof PyContainer) return value.size;
      if (Buffer.isBuffer(value)) return value.length + 2;
      if (value instanceof PyLong) return 3 * value.byteLength;
      return value instanceof Date ? 26 : 4;
    default:
      return 4;
  }
}
