import { CacheKeyError } from '../errors/cache.errors';

/** Longest accepted key, in characters; longer keys are almost always a bug (a whole payload as key). */
export const MAX_KEY_LENGTH = 1024;

/** Where the cache keeps a tag's version (src/tags/tag-versions.ts). */
export const TAG_KEY_PREFIX = '~tag:';
/** Where getOrSet keeps its fleet locks (src/get-or-set/lock-key.ts). */
export const LOCK_KEY_PREFIX = '~lock:';
/**
 * Keys the module writes for itself. A caller who could write one could undo an
 * invalidation (an old tag version set back) or take or free another's lock, so every
 * public call refuses them.
 */
export const RESERVED_KEY_PREFIXES: readonly string[] = [TAG_KEY_PREFIX, LOCK_KEY_PREFIX];

// Control characters break redis-cli output and log lines; no legitimate key needs them.
// eslint-disable-next-line no-control-regex -- matching control characters is this rule's purpose
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** Throws CacheKeyError unless `key` is a usable cache key for a caller: well-formed, and not under a reserved prefix. */
export function assertValidKey(key: unknown): asserts key is string {
  assertKeyText(key);
  // One character compare first: this runs on every call, and almost no key starts with `~`.
  if (key.charCodeAt(0) === 0x7e) {
    const prefix = RESERVED_KEY_PREFIXES.find((reserved) => key.startsWith(reserved));
    if (prefix)
      throw new CacheKeyError(
        `cache key starts with ${JSON.stringify(prefix)}, a prefix the cache keeps for itself (${RESERVED_KEY_PREFIXES.join(', ')})`,
        'RESERVED',
      );
  }
}

/** Throws CacheKeyError unless `key` is a well-formed key; for the module's own keys, which may use the reserved prefixes. */
export function assertKeyText(key: unknown): asserts key is string {
  if (typeof key !== 'string') throw new CacheKeyError(`cache key must be a string, got ${describeType(key)}`);
  if (key.length === 0) throw new CacheKeyError('cache key must not be empty');
  if (key.length > MAX_KEY_LENGTH) {
    throw new CacheKeyError(`cache key is ${key.length} characters long; the maximum is ${MAX_KEY_LENGTH}`);
  }
  if (CONTROL_CHARACTER.test(key)) throw new CacheKeyError('cache key must not contain control characters');
  // A lone surrogate is sent to Redis as U+FFFD, so two different keys would share one entry.
  if (!isWellFormed(key))
    throw new CacheKeyError('cache key must be well-formed Unicode (it contains a lone surrogate)');
}

/** Django's key format, `prefix:version:key`, so keys read the same in redis-cli as in IdeaGraph. */
export function makeKeyPrefix(keyPrefix: string, version: number): string {
  return `${keyPrefix}:${version}:`;
}

const LONE_SURROGATE = /\p{Surrogate}/u;

function isWellFormed(key: string): boolean {
  // String.prototype.isWellFormed (Node 20) is not in the ES2022 lib this package compiles against.
  const native = (key as { isWellFormed?: () => boolean }).isWellFormed;
  return native ? native.call(key) : !LONE_SURROGATE.test(key);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
