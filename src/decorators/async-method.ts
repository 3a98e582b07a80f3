/** What `@Cacheable` and `@CacheEvict` decorate: a method that returns a Promise. */
export type AsyncMethod<A extends unknown[], R> = (...args: A) => Promise<R>;

/**
 * Refuses, at compile time, a method whose Promise may resolve undefined: its result is
 * cached as null (JSON and pickle have no undefined, and Django stores None), so it would
 * resolve null, which its type does not say. Return null for "nothing" instead.
 * `unknown` and `any` results pass: their type says nothing either way.
 */
export type UndefinedResultRefused<R> = unknown extends R
  ? unknown
  : undefined extends R
    ? {
        '@Cacheable: the method may resolve undefined, which is cached and answered as null; return null for "nothing"': never;
      }
    : unknown;
