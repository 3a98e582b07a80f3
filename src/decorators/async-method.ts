/** What `@Cacheable` and `@CacheEvict` decorate: a method that returns a Promise. */
export type AsyncMethod<A extends unknown[], R> = (...args: A) => Promise<R>;
