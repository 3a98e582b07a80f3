/** INVALID: not a usable key (type, length, characters, no stable text); RESERVED: under a prefix the cache keeps for itself. */
export type CacheKeyErrorCode = 'INVALID' | 'RESERVED';

/** A key that is not a usable cache key: a caller bug, thrown before anything is written. */
export class CacheKeyError extends TypeError {
  override readonly name = 'CacheKeyError';

  constructor(
    message: string,
    readonly code: CacheKeyErrorCode = 'INVALID',
  ) {
    super(message);
  }
}

export type CacheValueErrorCode = 'UNSUPPORTED_TYPE' | 'CIRCULAR' | 'TOO_LARGE' | 'NOT_AN_INTEGER' | 'INVALID_TIMEOUT';

/** A value that cannot be stored (or an operation the stored value does not allow). Nothing is written. */
export class CacheValueError extends TypeError {
  override readonly name = 'CacheValueError';

  constructor(
    message: string,
    readonly code: CacheValueErrorCode,
  ) {
    super(message);
  }
}
