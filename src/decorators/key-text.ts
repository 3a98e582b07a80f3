import { CacheKeyError } from '../errors/cache.errors';

/**
 * How argument values are written into decorator keys. Two different values must never
 * give one text, so each type has its own form: strings are JSON-quoted (`"1"`), numbers,
 * bigints and booleans are not (`1`, `1n`, `true`). A JSON string ends at its first
 * unescaped quote, so a filled string can never run into the text around it.
 */

/** JSON quoting, plus U+007F, which JSON.stringify leaves as it is and a key must not hold. Lone surrogates are escaped by JSON.stringify itself. */
export function quote(text: string): string {
  const json = JSON.stringify(text);
  return json.includes('\u007f') ? json.replace(/\u007f/g, '\\u007f') : json;
}

/** The text of a template value: a string, number, bigint or boolean; undefined for anything else. */
export function scalarText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return quote(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'boolean':
      return String(value);
    default:
      return undefined;
  }
}

/**
 * Characters an unquoted value (a number, bigint or boolean) can hold. A placeholder
 * followed directly by one of them, or by another placeholder, would let two different
 * argument lists give one key: with `{0}.{1}`, (1.5, 2) and (1, 5.2) both give `1.5.2`.
 */
export const UNQUOTED_VALUE_CHARACTER = /[A-Za-z0-9.+-]/;

/**
 * The key text of a default-key argument: scalars as above, `null`, `undefined`, valid
 * Dates, arrays and plain objects (keys sorted). Anything else (functions, symbols, class
 * instances, cycles, invalid Dates, sparse arrays, symbol-keyed or non-enumerable
 * properties) has no text that tells every value apart, so it is refused.
 */
export function stableText(value: unknown, where: string, seen: Set<object> = new Set()): string {
  const scalar = scalarText(value);
  if (scalar !== undefined) return scalar;
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value !== 'object') throw unkeyable(where, value);
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime()))
      throw new CacheKeyError(`${where} is an invalid Date, which has no stable text for a cache key`);
    if (Reflect.ownKeys(value).length > 0) throw hiddenProperties(where);
    return `Date(${value.toISOString()})`;
  }
  if (seen.has(value))
    throw new CacheKeyError(
      `${where} refers to itself, so it has no stable text for a cache key; give the decorator a key`,
    );
  seen.add(value);
  try {
    if (Array.isArray(value)) {
      // Its indices and `length`, nothing else: a hole or an extra property would vanish from the text.
      if (Reflect.ownKeys(value).length !== value.length + 1 || Object.keys(value).length !== value.length)
        throw hiddenProperties(where);
      return `[${value.map((item, i) => stableText(item, `${where}[${i}]`, seen)).join(',')}]`;
    }
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) throw unkeyable(where, value);
    const names = Object.keys(value);
    if (Reflect.ownKeys(value).length !== names.length) throw hiddenProperties(where);
    const entries = names
      .sort()
      .map(
        (name) => `${quote(name)}:${stableText((value as Record<string, unknown>)[name], `${where}.${name}`, seen)}`,
      );
    return `{${entries.join(',')}}`;
  } finally {
    seen.delete(value);
  }
}

function hiddenProperties(where: string): CacheKeyError {
  return new CacheKeyError(
    `${where} has symbol-keyed, non-enumerable or missing (sparse) properties, which a cache key cannot show; give the decorator a key`,
  );
}

function unkeyable(where: string, value: unknown): CacheKeyError {
  return new CacheKeyError(
    `${where} is ${describe(value)}, which has no stable text for a cache key; give the decorator a key (a template such as "user:{0}" or a function of the arguments)`,
  );
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  if (typeof value === 'object') {
    const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return name && name !== 'Object' ? `a ${name} instance` : 'an object';
  }
  return `a ${typeof value}`;
}
