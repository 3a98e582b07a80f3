import type { Attributes, Span } from '@opentelemetry/api';
import { isBackgroundRefresh } from '../get-or-set/background-refresh';
import type { Factory, FactoryContext } from '../get-or-set/get-or-set-ports';
import type { ManyFactory, ManyFactoryContext } from '../get-or-set/get-or-set-many';
import type { CacheManagerService } from '../service/cache-manager.service';
import type { CacheTracing } from './cache-tracing';
import {
  ATTR_BACKGROUND,
  ATTR_HIT,
  ATTR_HIT_COUNT,
  ATTR_KEY,
  ATTR_KEY_COUNT,
  ATTR_KEYS,
  ATTR_MISS_COUNT,
  ATTR_TAG_COUNT,
  ATTR_TAGS,
} from './otel-names';

/** Every public method of the service that returns a promise: each must say below how it is traced. */
type CacheOperation = {
  [K in keyof CacheManagerService]: CacheManagerService[K] extends (...args: never[]) => Promise<unknown> ? K : never;
}[keyof CacheManagerService];

/** Runs the service's own method with the given arguments. */
type Original = (args: unknown[]) => Promise<unknown>;
type OperationTrace = (
  tracing: CacheTracing,
  operation: string,
  original: Original,
  args: unknown[],
) => Promise<unknown>;

/**
 * The service as the app sees it while tracing is on: the same object underneath (the traced
 * view inherits from it), with one span around each public call. The methods run on the
 * service itself, so what it calls on itself (decr's incr, the fleet lock's add and
 * deleteIfEquals) is part of the caller's span, not a span of its own.
 */
export function traceCacheService(service: CacheManagerService, tracing: CacheTracing): CacheManagerService {
  const traced = Object.create(service) as CacheManagerService;
  for (const name of methodNames(service)) {
    const method = (service as unknown as Record<string, (...args: unknown[]) => unknown>)[name];
    const trace = (OPERATION_TRACES as Partial<Record<string, OperationTrace>>)[name];
    const original: Original = (args) => method.apply(service, args) as Promise<unknown>;
    // Untraced methods run on the service too, so nothing they set lands on the view.
    const value = trace
      ? (...args: unknown[]) => trace(tracing, name, original, args)
      : (...args: unknown[]) => method.apply(service, args);
    Object.defineProperty(traced, name, { value, writable: true, configurable: true });
  }
  return traced;
}

const OPERATION_TRACES: Record<CacheOperation, OperationTrace> = {
  get: traceGet,
  set: keyed(),
  add: keyed(),
  exists: keyed((found: boolean) => found),
  delete: keyed(),
  deleteIfEquals: keyed(),
  getWithStoredText: keyed((found: unknown) => found !== undefined),
  deleteIfStored: keyed(),
  getMany: batch(keysArgument, (found: Record<string, unknown>) => Object.keys(found).length),
  setMany: batch(entriesArgument),
  deleteMany: batch(keysArgument),
  incr: keyed(),
  decr: keyed(),
  touch: keyed(),
  // undefined: absent (or a fault, which every read counts as a miss); null: present, never expires.
  ttl: keyed((left: number | null | undefined) => left !== undefined),
  getOrSet: traceGetOrSet,
  getOrSetMany: traceGetOrSetMany,
  invalidateTags: (tracing, operation, original, args) =>
    tracing.operation(operation, tagsAttributes(tracing, args[0]), () => original(args)),
  clear: (tracing, operation, original, args) => tracing.operation(operation, undefined, () => original(args)),
};

/** A call on one key; `hit` reads the answer of a read. */
function keyed<A>(hit?: (answer: A) => boolean): OperationTrace {
  const finish =
    hit &&
    ((span: Span, answer: unknown) => {
      span.setAttribute(ATTR_HIT, hit(answer as A));
      return answer;
    });
  return (tracing, operation, original, args) =>
    tracing.operation(operation, keyAttributes(tracing, args[0]), () => original(args), finish);
}

/** A call on many keys; `found` reads how many of them a batch read found. */
function batch<A>(keysOf: (args: unknown[]) => unknown[] | undefined, found?: (answer: A) => number): OperationTrace {
  return (tracing, operation, original, args) => {
    const keys = keysOf(args);
    const finish =
      found &&
      ((span: Span, answer: unknown) => {
        setCounts(span, found(answer as A), keys ? new Set(keys).size : 0);
        return answer;
      });
    return tracing.operation(operation, keysAttributes(tracing, keys), () => original(args), finish);
  };
}

/**
 * get answers a miss with its default, which may equal a stored value (`get('n', 0)`): a
 * default of our own tells them apart, and the caller's is handed back on a miss.
 */
const MISS = Symbol('miss');

function traceGet(tracing: CacheTracing, operation: string, original: Original, args: unknown[]): Promise<unknown> {
  const [key, ...rest] = args;
  return tracing.operation(
    operation,
    keyAttributes(tracing, key),
    (recorded) => original(recorded ? [key, MISS] : args),
    (span, answer) => {
      span.setAttribute(ATTR_HIT, answer !== MISS);
      return answer !== MISS ? answer : rest.length > 0 ? rest[0] : undefined;
    },
  );
}

/**
 * getOrSet is a hit when it is answered without running its own factory: from the cache,
 * or from a computation already under way (as Guava counts a wait for a load in progress).
 * Its factory runs inside a span of its own, a child of the call's span.
 */
function traceGetOrSet(
  tracing: CacheTracing,
  operation: string,
  original: Original,
  args: unknown[],
): Promise<unknown> {
  const [key, factory, ...rest] = args as [unknown, Factory<unknown>, ...unknown[]];
  let computed = false;
  return tracing.operation(
    operation,
    keyAttributes(tracing, key),
    (recorded) => {
      if (!recorded || typeof factory !== 'function') return original(args);
      const tracedFactory: Factory<unknown> = (context: FactoryContext<unknown>) => {
        const background = isBackgroundRefresh(context);
        if (!background) {
          computed = true;
          // Set now, so a call that then fails (the factory's error, a hard timeout) still says it missed.
          recorded.span.setAttribute(ATTR_HIT, false);
        }
        const attributes = background
          ? { ...keyAttributes(tracing, key), [ATTR_BACKGROUND]: true }
          : keyAttributes(tracing, key);
        return tracing.factory(recorded.inside, attributes, () => factory(context));
      };
      return original([key, tracedFactory, ...rest]);
    },
    (span, answer) => {
      if (!computed) span.setAttribute(ATTR_HIT, true);
      return answer;
    },
  );
}

/** getOrSetMany: the keys its factory was asked for are the misses; every other key was found or shared. */
function traceGetOrSetMany(
  tracing: CacheTracing,
  operation: string,
  original: Original,
  args: unknown[],
): Promise<unknown> {
  const [keys, factory, ...rest] = args as [unknown, ManyFactory<unknown>, ...unknown[]];
  const list = keysArgument(args);
  let computed = 0;
  return tracing.operation(
    operation,
    keysAttributes(tracing, list),
    (recorded) => {
      if (!recorded || typeof factory !== 'function') return original(args);
      const tracedFactory: ManyFactory<unknown> = (missing: string[], context: ManyFactoryContext<unknown>) => {
        computed += missing.length;
        return tracing.factory(recorded.inside, keysAttributes(tracing, missing), () => factory(missing, context));
      };
      return original([keys, tracedFactory, ...rest]);
    },
    (span, answer) => {
      const count = list ? new Set(list).size : 0;
      setCounts(span, count - computed, count);
      return answer;
    },
  );
}

function keyAttributes(tracing: CacheTracing, key: unknown): Attributes | undefined {
  return tracing.includeKeys && typeof key === 'string' ? { [ATTR_KEY]: key } : undefined;
}

function keysAttributes(tracing: CacheTracing, keys: unknown[] | undefined): Attributes | undefined {
  if (!keys) return undefined;
  const attributes: Attributes = { [ATTR_KEY_COUNT]: new Set(keys).size };
  if (tracing.includeKeys && keys.every((key) => typeof key === 'string')) attributes[ATTR_KEYS] = [...new Set(keys)];
  return attributes;
}

function tagsAttributes(tracing: CacheTracing, tags: unknown): Attributes | undefined {
  if (!Array.isArray(tags)) return undefined;
  const attributes: Attributes = { [ATTR_TAG_COUNT]: new Set(tags).size };
  if (tracing.includeKeys && tags.every((tag) => typeof tag === 'string')) attributes[ATTR_TAGS] = [...new Set(tags)];
  return attributes;
}

function setCounts(span: Span, hits: number, count: number): void {
  span.setAttribute(ATTR_HIT_COUNT, hits);
  span.setAttribute(ATTR_MISS_COUNT, count - hits);
}

function keysArgument(args: unknown[]): unknown[] | undefined {
  return Array.isArray(args[0]) ? args[0] : undefined;
}

function entriesArgument(args: unknown[]): unknown[] | undefined {
  const entries = args[0];
  if (entries instanceof Map) return [...(entries as Map<unknown, unknown>).keys()];
  return entries !== null && typeof entries === 'object' ? Object.keys(entries) : undefined;
}

/** Every method the service has, its class's and any it inherits, except the constructor. */
function methodNames(service: object): string[] {
  const names = new Set<string>();
  for (
    let proto = Object.getPrototypeOf(service) as object | null;
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (name !== 'constructor' && typeof descriptor.value === 'function') names.add(name);
    }
  }
  return [...names];
}
