import { CacheFactoryError, CacheFactoryTimeoutError } from '../get-or-set/get-or-set.errors';
import type { GetOrSetOptions } from '../get-or-set/get-or-set-options';
import type { CacheTimeout } from '../service/cache-manager.service';
import { CacheKeyError } from '../errors/cache.errors';
import type { AsyncMethod, UndefinedResultRefused } from './async-method';
import { CacheBindings, DEFAULT_CACHE_NAME, markDecorated } from './cache-bindings';
import { compileKey, compileKeys, TAG_TARGET, type KeySource, type KeysSource } from './method-cache-key';

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
 * returns: the method simply runs. Neither does a caller's input: when no key can be made
 * from the arguments (a function, an invalid Date, a key the cache refuses), the method
 * runs without the cache, and the call is counted (`keylessCalls`) and logged, throttled.
 * What can be known before any call (a template that could give two argument lists one
 * key, two classes of one name on the default key) throws CacheKeyError at decoration.
 */
export function Cacheable<A extends unknown[] = unknown[]>(options: CacheableOptions<A> = {}) {
  return function decorate<R>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<AsyncMethod<A, R>> & UndefinedResultRefused<R>,
  ): TypedPropertyDescriptor<AsyncMethod<A, R>> {
    const original = descriptor.value;
    if (typeof original !== 'function')
      throw new TypeError(`@Cacheable can only decorate a method, not ${String(propertyKey)}`);
    const className = typeof target === 'function' ? target.name : target.constructor.name;
    const method = String(propertyKey);
    const where = `@Cacheable on ${className}.${method}`;
    const cacheName = options.cache ?? DEFAULT_CACHE_NAME;
    const { key: keySource, timeout, tags, cache: _cache, ...policyOptions } = options;
    const keyOf = compileKey(keySource, target, className, propertyKey);
    const tagsOf = tags ? compileKeys(tags, `${where}: tags`, TAG_TARGET) : undefined;
    // undefined, not {}: getOrSet then takes the module defaults as they are, without a copy per call.
    const policy = Object.keys(policyOptions).length > 0 ? policyOptions : undefined;
    markDecorated(typeof target === 'function' ? target : target, cacheName);

    function cached(this: unknown, ...args: A): Promise<R> {
      const cache = CacheBindings.find(this, cacheName);
      // Always a Promise, bound to a cache or not: a sync method forced past the types
      // (JavaScript, a cast) must not return a plain value outside Nest and a Promise inside.
      if (!cache) return new Promise<R>((resolve) => resolve(original!.apply(this, args)));
      let key: string;
      let tagList: string[] | undefined;
      try {
        key = keyOf(args);
        tagList = tagsOf?.(args);
      } catch (error) {
        // Whatever went wrong (a key function of the app's may throw anything), it came from this call's arguments.
        cache.noteKeylessCall(where, error instanceof Error ? error.message : String(error));
        return original!.apply(this, args);
      }
      let ran: Promise<R> | undefined;
      const run = () => (ran = Promise.resolve(original!.apply(this, args)));
      // An undefined result is cached, and answered, as null (see UndefinedResultRefused).
      const result = cache.getOrSet<R>(
        key,
        run,
        timeout,
        tagList ? { ...policyOptions, tags: tagList } : policy,
      ) as Promise<R>;
      return result.catch(async (error: unknown) => {
        // The method ran here: its own outcome is the answer (a slow method is waited for, not
        // cut off), and once the call returns its result is in the cache, as after any other call.
        if (ran) {
          const value = await ran;
          if (error instanceof CacheFactoryTimeoutError)
            await cache.set(key, value, timeout, tagList ? { tags: tagList } : undefined).catch(() => false);
          return value;
        }
        // A key or tag the cache refuses (reserved, too long, a control character from a key function).
        if (error instanceof CacheKeyError) {
          cache.noteKeylessCall(where, error.message);
          return original!.apply(this, args);
        }
        // A mistake in the decorator's own options belongs to the caller.
        if (error instanceof CacheFactoryError && error.code !== 'RECURSIVE') throw error;
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
