/** A getOrSet factory with no stale value to fall back on did not finish within its hard timeout. */
export class CacheFactoryTimeoutError extends Error {
  override readonly name = 'CacheFactoryTimeoutError';

  constructor(
    readonly key: string,
    readonly timeoutMs: number,
  ) {
    super(
      `the factory for key ${JSON.stringify(key)} did not finish within ${timeoutMs} ms; it runs on in the background and fills the cache when it finishes`,
    );
  }
}

/** A getOrSet used in a way that can never finish, or with options it cannot honour: a caller bug. */
export class CacheFactoryError extends Error {
  override readonly name = 'CacheFactoryError';

  constructor(
    message: string,
    readonly code: 'RECURSIVE' | 'INVALID_OPTION' | 'INVALID_RESULT',
  ) {
    super(message);
  }
}
