import type { AsyncMethod } from './async-method';
import { CacheBindings, DEFAULT_CACHE_NAME, markDecorated } from './cache-bindings';
import { CacheKeyError } from '../errors/cache.errors';
import type { CacheManagerService } from '../service/cache-manager.service';
import { compileKeys, TAG_TARGET, type KeysSource } from './method-cache-key';

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
 * The method's result is returned as it is; a cache that fails to evict never changes it,
 * and neither do arguments no key can be made from: `@Cacheable` could not have cached
 * anything under such a key, so the call is only counted and logged.
 */
export function CacheEvict<A extends unknown[] = unknown[]>(options: CacheEvictOptions<A>) {
  return function decorate<R>(
    target: object,
    propertyKey: string | symbol,
    descriptor: TypedPropertyDescriptor<AsyncMethod<A, R>>,
  ): TypedPropertyDescriptor<AsyncMethod<A, R>> {
    const original = descriptor.value;
    if (typeof original !== 'function')
      throw new TypeError(`@CacheEvict can only decorate a method, not ${String(propertyKey)}`);
    const where = `@CacheEvict on ${typeof target === 'function' ? target.name : target.constructor.name}.${String(propertyKey)}`;
    const cacheName = options.cache ?? DEFAULT_CACHE_NAME;
    markDecorated(target, cacheName);
    const keysOf = compileKeys(options.keys, `${where}: keys`);
    const tagsOf = compileKeys(options.tags, `${where}: tags`, TAG_TARGET);

    async function evicting(this: unknown, ...args: A): Promise<R> {
      const cache = CacheBindings.find(this, cacheName);
      if (!cache) return original!.apply(this, args);
      const evict = async () => {
        let keys: string[];
        let tags: string[];
        try {
          keys = keysOf(args);
          tags = tagsOf(args);
        } catch (error) {
          // A key function of the app's may throw anything: it came from this call's arguments.
          cache.noteKeylessCall(where, error instanceof Error ? error.message : String(error));
          return;
        }
        // Both return false on a backend fault, and never throw for one; a key they refuse is only noted.
        if (keys.length > 0) await cache.deleteMany(keys).catch((error: unknown) => keyless(cache, where, error));
        if (tags.length > 0) await cache.invalidateTags(tags).catch((error: unknown) => keyless(cache, where, error));
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

function keyless(cache: CacheManagerService, where: string, error: unknown): void {
  if (!(error instanceof CacheKeyError)) throw error;
  cache.noteKeylessCall(where, error.message);
}
