/**
 * The names this package reports under. OpenTelemetry has no stable conventions for caches,
 * so cache-specific names live in our own `ideagraph.cache.*` namespace, as the spec asks of
 * instrumentation-specific names; where a stable convention means the same thing, it is used
 * (`db.operation.name`, `error.type`). docs/opentelemetry.md gives the reasons.
 */

/** The instrumentation scope: the tracer's and the meter's name. */
export const SCOPE_NAME = 'ideagraph-cache';
// package.json sits two levels up from both src/otel and dist/otel, and ships in the package.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a JSON file outside rootDir, which an import would pull into the build
export const SCOPE_VERSION = (require('../../package.json') as { version: string }).version;

/** Stable: the operation a data-store call performs (`get`, `getOrSet` ...). */
export const ATTR_OPERATION = 'db.operation.name';
/** Stable: the class of error a failed call ended with. */
export const ATTR_ERROR_TYPE = 'error.type';

/** `redis`, `hybrid`, `locmem` or `dummy`: CACHE_BACKEND, the `backend` label of the Prometheus endpoint. */
export const ATTR_BACKEND = 'ideagraph.cache.backend';
/** The cache's name: `default`, or the name given to forRoot / forRootAsync (docs/named-caches.md). */
export const ATTR_NAME = 'ideagraph.cache.name';
/** Reads: whether the key was found (getOrSet: whether the call was answered without running its own factory). */
export const ATTR_HIT = 'ideagraph.cache.hit';
/** The cache key as the app gave it (no prefix or version); only with otel.includeKeys. */
export const ATTR_KEY = 'ideagraph.cache.key';
/** The keys of a batch call; only with otel.includeKeys. */
export const ATTR_KEYS = 'ideagraph.cache.keys';
/** Distinct keys of a batch call (getMany, setMany, deleteMany, getOrSetMany). */
export const ATTR_KEY_COUNT = 'ideagraph.cache.key_count';
/** Batch reads: keys found, and keys not found. */
export const ATTR_HIT_COUNT = 'ideagraph.cache.hit_count';
export const ATTR_MISS_COUNT = 'ideagraph.cache.miss_count';
/** Tags of an invalidateTags call: how many, and (only with otel.includeKeys, as they often name users) which. */
export const ATTR_TAG_COUNT = 'ideagraph.cache.tag_count';
export const ATTR_TAGS = 'ideagraph.cache.tags';
/** Factory spans: true for a refresh-ahead call, whose callers already had their value. */
export const ATTR_BACKGROUND = 'ideagraph.cache.factory.background';
/** The breaker state a `breaker_state` point stands for: `closed`, `open` or `half-open`. */
export const ATTR_BREAKER_STATE = 'ideagraph.cache.breaker.state';
