import { CacheValueError } from '../../errors/cache.errors';

/**
 * Dict keys and set elements must be hashable in Python, and distinct as Python compares
 * them: 1, 1n, 1.0 and true are one key there. A Map or Set that breaks either rule has
 * no equal Python value, so it is refused rather than silently merged.
 */
export function assertDistinctKeys(keys: unknown[], what: string): void {
  const seen = new Set<string>();
  for (const key of keys) {
    const identity = pythonIdentity(key, what);
    if (identity === undefined) continue;
    if (seen.has(identity))
      throw new CacheValueError(
        `two ${what} are the same key in Python (${identity}); it cannot be stored for Django`,
        'UNSUPPORTED_TYPE',
      );
    seen.add(identity);
  }
}

/** How Python tells keys apart; undefined for NaN, which equals nothing. */
function pythonIdentity(key: unknown, what: string): string | undefined {
  switch (typeof key) {
    case 'string':
      return `str ${JSON.stringify(key)}`;
    case 'boolean':
      return `int ${key ? 1 : 0}`;
    case 'bigint':
      return `int ${key}`;
    case 'number':
      if (Number.isNaN(key)) return undefined;
      return Number.isInteger(key) ? `int ${BigInt(key)}` : `float ${key}`;
    case 'object':
      if (key === null) return 'None';
      if (key instanceof Date) return `datetime ${Number.isNaN(key.getTime()) ? 'invalid' : key.toISOString()}`;
      if (key instanceof Uint8Array)
        return `bytes ${Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex')}`;
  }
  throw new CacheValueError(
    `the ${what} must be hashable in Python: strings, numbers, BigInts, booleans, null, Dates or Buffers`,
    'UNSUPPORTED_TYPE',
  );
}
