import { CacheValueError } from '../errors/cache.errors';

/**
 * Values that JSON represents exactly are stored as their plain JSON text, so redis-cli
 * shows `{"token":"abc"}` and Redis INCRBY works on stored integers. Anything else
 * (Date, BigInt, Map, Set, Buffer, undefined inside a structure, NaN, -0 ...) is stored
 * behind RICH_MARKER. No JSON text can start with '~', so a user's string or object is
 * never mistaken for an encoded one.
 */
const RICH_MARKER = '~ig1:';
/** Inside a rich value, a tag is an object whose only own keys are TAG and 'v'. */
const TAG = '~t';

type Tagged = { [TAG]: string; v?: unknown };

export function encodeValue(value: unknown): string {
  if (value === undefined) {
    throw new CacheValueError('undefined cannot be cached; store null for "no value"', 'UNSUPPORTED_TYPE');
  }
  if (isPlainJson(value, 0)) return JSON.stringify(value);
  return RICH_MARKER + JSON.stringify(toRich(value, new Set()));
}

/** What a read of tagged text gives when that text does not decode to a value `encodeValue` could have written. */
export const NOT_STORABLE: unique symbol = Symbol('not storable');

/**
 * Decodes text read from a store. Text that is not JSON was written by something else
 * (redis-cli SET) and is handed out as it is. Tagged text that does not decode to a
 * storable value (a top-level undefined, an unknown tag, a malformed one) is NOT_STORABLE,
 * which callers treat as a miss: such text can only come from another writer, and it must
 * not pose as a stored value (or hide a default, or stop a getOrSet factory from running).
 */
export function decodeStoredText<T = unknown>(text: string): T | typeof NOT_STORABLE {
  if (text.startsWith(RICH_MARKER)) {
    try {
      const value = fromRich(JSON.parse(text.slice(RICH_MARKER.length)));
      return value === undefined ? NOT_STORABLE : (value as T);
    } catch {
      return NOT_STORABLE;
    }
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    return text as T;
  }
}

export function decodeValue<T = unknown>(text: string): T {
  if (text.startsWith(RICH_MARKER)) return fromRich(JSON.parse(text.slice(RICH_MARKER.length))) as T;
  return JSON.parse(text) as T;
}

/**
 * Deeper than this, a value is handed to the rich encoder, whose Set of open objects
 * tells a cycle (a CacheValueError) from a deep structure. The plain check itself keeps no
 * path: tracking open objects cost about 5 % of a Redis set of a 200-byte object.
 */
const PLAIN_CHECK_MAX_DEPTH = 64;

/** True if JSON.stringify/parse returns an equal value. Throws CacheValueError on unsupported types. */
function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !Object.is(value, -0);
    case 'object': {
      if (value === null) return true;
      if (depth >= PLAIN_CHECK_MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        let plain = true;
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isPlainJson(value[i], depth + 1)) plain = false;
        }
        return plain;
      }
      if (!isPlainObject(value)) {
        assertSupportedObject(value);
        // Supported non-plain objects are walked again by toRich, which checks their contents.
        return false;
      }
      let plain = true;
      for (const key of Object.keys(value)) {
        if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) plain = false;
      }
      return plain;
    }
    case 'undefined':
    case 'bigint':
      return false;
    default:
      throw unsupported(typeof value);
  }
}

function toRich(value: unknown, path: Set<object>): unknown {
  switch (typeof value) {
    case 'undefined':
      return { [TAG]: 'undefined' };
    case 'bigint':
      return { [TAG]: 'bigint', v: value.toString() };
    case 'number':
      if (Number.isFinite(value) && !Object.is(value, -0)) return value;
      // String(-0) is "0": spell the sign out so Number() gives -0 back.
      return { [TAG]: 'number', v: Object.is(value, -0) ? '-0' : String(value) };
    case 'string':
    case 'boolean':
      return value;
    case 'object':
      break;
    default:
      throw unsupported(typeof value);
  }
  if (value === null) return null;
  if (path.has(value)) throw circular();
  path.add(value);
  try {
    if (Array.isArray(value)) return Array.from(value, (item) => toRich(item, path));
    if (value instanceof Date) return { [TAG]: 'date', v: Number.isNaN(value.getTime()) ? null : value.toISOString() };
    if (Buffer.isBuffer(value)) return { [TAG]: 'buffer', v: value.toString('base64') };
    if (value instanceof Uint8Array) return { [TAG]: 'bytes', v: Buffer.from(value).toString('base64') };
    if (value instanceof Map)
      return { [TAG]: 'map', v: Array.from(value, ([k, v]) => [toRich(k, path), toRich(v, path)]) };
    if (value instanceof Set) return { [TAG]: 'set', v: Array.from(value, (v) => toRich(v, path)) };
    if (!isPlainObject(value)) throw unsupported(value.constructor?.name ?? 'object');
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) {
      // Escape user keys that start with '~' so that no user object can pose as a tag.
      setOwn(out, key.startsWith('~') ? `~${key}` : key, toRich((value as Record<string, unknown>)[key], path));
    }
    return out;
  } finally {
    path.delete(value);
  }
}

function fromRich(node: unknown): unknown {
  if (node === null || typeof node !== 'object') return node;
  if (Array.isArray(node)) return node.map(fromRich);
  const record = node as Record<string, unknown>;
  if (TAG in record) return fromTag(asTagged(record));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) setOwn(out, key.startsWith('~') ? key.slice(1) : key, fromRich(record[key]));
  return out;
}

/** `out[key] = value`, except that "__proto__" becomes an own key as JSON.parse makes it, not the prototype. */
export function setOwn<T>(out: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** Only the exact shapes toRich writes are read back; anything else is foreign text. */
function fromTag(tagged: Tagged): unknown {
  const v = tagged.v;
  switch (tagged[TAG]) {
    case 'undefined':
      if ('v' in tagged) throw malformed(tagged);
      return undefined;
    case 'bigint':
      if (typeof v !== 'string' || !/^-?\d+$/.test(v)) throw malformed(tagged);
      return BigInt(v);
    case 'number':
      if (v !== 'NaN' && v !== 'Infinity' && v !== '-Infinity' && v !== '-0') throw malformed(tagged);
      return Number(v);
    case 'date':
      if (v !== null && typeof v !== 'string') throw malformed(tagged);
      return new Date(v === null ? Number.NaN : v);
    case 'buffer':
      if (typeof v !== 'string') throw malformed(tagged);
      return Buffer.from(v, 'base64');
    case 'bytes':
      if (typeof v !== 'string') throw malformed(tagged);
      return new Uint8Array(Buffer.from(v, 'base64'));
    case 'map':
      if (!Array.isArray(v) || !v.every((entry) => Array.isArray(entry) && entry.length === 2)) throw malformed(tagged);
      return new Map((v as [unknown, unknown][]).map(([k, val]) => [fromRich(k), fromRich(val)]));
    case 'set':
      if (!Array.isArray(v)) throw malformed(tagged);
      return new Set(v.map(fromRich));
    default:
      throw new CacheValueError(`stored value has an unknown type tag "${String(tagged[TAG])}"`, 'UNSUPPORTED_TYPE');
  }
}

function asTagged(record: Record<string, unknown>): Tagged {
  for (const key of Object.keys(record)) if (key !== TAG && key !== 'v') throw malformed(record);
  return record as Tagged;
}

function malformed(node: object): CacheValueError {
  return new CacheValueError(`stored value has a malformed "${String((node as Tagged)[TAG])}" tag`, 'UNSUPPORTED_TYPE');
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function assertSupportedObject(value: object): void {
  if (value instanceof Date || value instanceof Map || value instanceof Set || value instanceof Uint8Array) return;
  throw unsupported(value.constructor?.name ?? 'object');
}

function unsupported(what: string): CacheValueError {
  return new CacheValueError(
    `a value of type ${what} cannot be cached (supported: JSON values, Date, BigInt, Map, Set, Buffer, Uint8Array)`,
    'UNSUPPORTED_TYPE',
  );
}

function circular(): CacheValueError {
  return new CacheValueError('a circular structure cannot be cached', 'CIRCULAR');
}
