import type { CacheManagerService } from '../service/cache-manager.service';

export { DEFAULT_CACHE_NAME } from '../common/cache-name';

/** On an instance: the caches its decorated methods use, per name, set when its app starts. */
const BOUND_CACHES = Symbol('ideagraph-cache:bound-caches');

/**
 * Which cache a decorated method uses. Each app binds its caches to the instances of its
 * providers at startup (CacheDecoratorBinder), so two apps in one process never share
 * one; an instance made outside Nest's DI falls back to the cache an app registered
 * last under that name. With neither, the method just runs.
 */
export class CacheBindings {
  private static readonly registered = new Map<string, CacheManagerService>();

  static register(name: string, cache: CacheManagerService): void {
    CacheBindings.registered.set(name, cache);
  }

  static unregister(name: string, cache: CacheManagerService): void {
    if (CacheBindings.registered.get(name) === cache) CacheBindings.registered.delete(name);
  }

  static bind(instance: object, name: string, cache: CacheManagerService): void {
    let bound = (instance as { [BOUND_CACHES]?: Map<string, CacheManagerService> })[BOUND_CACHES];
    if (!bound) {
      bound = new Map();
      Object.defineProperty(instance, BOUND_CACHES, { value: bound, enumerable: false });
    }
    bound.set(name, cache);
  }

  static find(instance: unknown, name: string): CacheManagerService | undefined {
    const bound =
      instance !== null && typeof instance === 'object'
        ? (instance as { [BOUND_CACHES]?: Map<string, CacheManagerService> })[BOUND_CACHES]
        : undefined;
    return bound?.get(name) ?? CacheBindings.registered.get(name);
  }
}

/** Classes with decorated methods, and the cache names they use: what the binder looks for. */
export const DECORATED_CACHES = Symbol('ideagraph-cache:decorated-caches');

export function markDecorated(prototype: object, cacheName: string): void {
  const holder = prototype as { [DECORATED_CACHES]?: Set<string> };
  if (!Object.prototype.hasOwnProperty.call(holder, DECORATED_CACHES)) {
    Object.defineProperty(holder, DECORATED_CACHES, {
      value: new Set(holder[DECORATED_CACHES] ?? []),
      enumerable: false,
    });
  }
  holder[DECORATED_CACHES]!.add(cacheName);
}

export function decoratedCacheNames(instance: object): ReadonlySet<string> | undefined {
  return (instance as { [DECORATED_CACHES]?: Set<string> })[DECORATED_CACHES];
}
