import type { AsyncMethod } from './async-method';
import { CacheBindings, DEFAULT_CACHE_NAME, markDecorated } from './cache-bindings';
import { compileKeys, type KeysSource } from './method-cache-key';

export interface CacheEvictOptions<A extends unknown[]> {
  /** Keys to remove: templates (`user:{0}`) or a function of the arguments. */
  keys?: KeysSource<A>;
  /** Tags to invalidate: templates or a function of the arguments. */
  tags?: KeysSource<A>;
  /** Remove before the method runs (and whatever it does); default: after it succeeds. */
  beforeInvocation?: boolean;
  /** A named cache; default: the default cache. */
  cache?: string;
}

/**
 * Removes entries when an async method succeeds (or before it runs, with
 * `beforeInvocation`): `keys` and every entry carrying one of `tags`, in every process.
 * The method's result is returned as it is; a cache that fails to evict never changes it.
 */
export function CacheEvict<A extends unknown[] = unknown[]>(options: CacheEvictOptions<A>) {
  return function decorate<R>(target: object, propertyKey: string | symbol, descriptor: TypedPropertyDescriptor<AsyncMethod<A, R>>): TypedPropertyDescriptor<AsyncMethod<A, R>> {
    const original = descriptor.value;
    if (typeof original !== 'function') throw new TypeError(`@CacheEvict can only decorate a method, not ${String(propertyKey)}`);
    const where = `@CacheEvict on ${typeof target === 'function' ? target.name : target.constructor.name}.${String(propertyKey)}`;
    const cacheName = options.cache ?? DEFAULT_CACHE_NAME;
    markDecorated(target, cacheName);
    const keysOf = compileKeys(options.keys, `${where}: keys`);
    const tagsOf = compileKeys(options.tags, `${where}: tags`);

    async function evicting(this: unknown, ...args: A): Promise<R> {
      const cache = CacheBindings.find(this, cacheName);
      if (!cache) return original!.apply(this, args);
      const keys = keysOf(args);
      const tags = tagsOf(args);
      const evict = async () => {
        // Both return false on a backend fault, and never throw for one.
        if (keys.length > 0) await cache.deleteMany(keys);
        if (tags.length > 0) await cache.invalidateTags(tags);
      };
      if (options.beforeInvocation) await evict();
      const result = await original!.apply(this, args);
      if (!options.beforeInvocation) await evict();
      return result;
    }
    Object.defineProperty(evicting, 'name', { value: String(propertyKey) });
    descriptor.value = evicting;
    return descriptor;
  };
}
