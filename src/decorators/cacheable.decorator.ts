import { CacheFactoryError, CacheFactoryTimeoutError } from '../get-or-set/get-or-set.errors';
import type { GetOrSetOptions } from '../get-or-set/get-or-set-options';
import type { CacheTimeout } from '../service/cache-manager.service';
import { CacheKeyError } from '../service/cache.errors';
import type { AsyncMethod } from './async-method';
import { CacheBindings, DEFAULT_CACHE_NAME, markDecorated } from './cache-bindings';
import { compileKey, compileKeys, type KeySource, type KeysSource } from './method-cache-key';

export interface CacheableOptions<A extends unknown[]> extends Omit<GetOrSetOptions, 'tags'> {
  /** The cache key: a template (`user:{0}`, `report:{0.id}:{1}`) or a function of the arguments. Default: class, method and arguments. */
  key?: KeySource<A>;
  /** Seconds; default CACHE_DEFAULT_TIMEOUT. */
  timeout?: CacheTimeout;
  /** Tags of the cached result (templates or a function of the arguments), for invalidateTags / @CacheEvict({ tags }). */
  tags?: KeysSource<A>;
  /** A named cache (IdeaGraphCacheModule.forRootAsync({ name })); default: the default cache. */
  cache?: string;
}

/**
 * Caches what an async method of any class returns, through getOrSet: single flight,
 * fail-safe, timeouts and the fleet lock as configured. The method itself is replaced on
 * the class, so calls from inside the class (`this.load(id)`) are cached too, and the
 * class needs no constructor change. A cache that fails never changes what the method
 * returns: the method simply runs. Arguments that cannot be part of a key throw
 * CacheKeyError at the call (give the decorator a `key`).
 */
export function Cacheable<A extends unknown[] = unknown[]>(options: CacheableOptions<A> = {}) {
  return function decorate<R>(target: object, propertyKey: string | symbol, descriptor: TypedPropertyDescriptor<AsyncMethod<A, R>>): TypedPropertyDescriptor<AsyncMethod<A, R>> {
    const original = descriptor.value;
    if (typeof original !== 'function') throw new TypeError(`@Cacheable can only decorate a method, not ${String(propertyKey)}`);
    const className = typeof target === 'function' ? target.name : target.constructor.name;
    const method = String(propertyKey);
    const cacheName = options.cache ?? DEFAULT_CACHE_NAME;
    const { key: keySource, timeout, tags, cache: _cache, ...policyOptions } = options;
    const keyOf = compileKey(keySource, className, method);
    const tagsOf = tags ? compileKeys(tags, `@Cacheable on ${className}.${method}: tags`) : undefined;
    // undefined, not {}: getOrSet then takes the module defaults as they are, without a copy per call.
    const policy = Object.keys(policyOptions).length > 0 ? policyOptions : undefined;
    markDecorated(typeof target === 'function' ? target : target, cacheName);

    function cached(this: unknown, ...args: A): Promise<R> {
      const cache = CacheBindings.find(this, cacheName);
      if (!cache) return original!.apply(this, args);
      let key: string;
      let tagList: string[] | undefined;
      try {
        key = keyOf(args);
        tagList = tagsOf?.(args);
      } catch (error) {
        return Promise.reject(error);
      }
      let ran: Promise<R> | undefined;
      const run = () => (ran = Promise.resolve(original!.apply(this, args)));
      return cache.getOrSet<R>(key, run, timeout, tagList ? { ...policyOptions, tags: tagList } : policy).catch(async (error: unknown) => {
        // The method ran here: its own outcome is the answer (a slow method is waited for, not
        // cut off), and once the call returns its result is in the cache, as after any other call.
        if (ran) {
          const value = await ran;
          if (error instanceof CacheFactoryTimeoutError) await cache.set(key, value, timeout, tagList ? { tags: tagList } : undefined).catch(() => false);
          return value;
        }
        // A mistake in the decorator's own options or key belongs to the caller.
        if (error instanceof CacheKeyError || (error instanceof CacheFactoryError && error.code !== 'RECURSIVE')) throw error;
        // The bound passed before the method could start here (it counts from the call, the
        // fleet-lock wait included), or another caller's run timed out: it runs now, and its
        // result is cached as after any other call.
        if (error instanceof CacheFactoryTimeoutError) {
          const value = await run();
          await cache.set(key, value, timeout, tagList ? { tags: tagList } : undefined).catch(() => false);
          return value;
        }
        // The cache itself failing: the method simply runs.
        if (!(error instanceof Error) || isCacheFault(error)) return run();
        // The shared run of another caller failed: the same error, as if this call had run it.
        throw error;
      });
    }
    Object.defineProperty(cached, 'name', { value: method });
    descriptor.value = cached;
    return descriptor;
  };
}

/** Errors of the cache, not of the method (a value too large to store, for instance). */
function isCacheFault(error: Error): boolean {
  return error.name === 'CacheValueError';
}
