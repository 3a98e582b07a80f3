/** Thrown at startup when a setting is malformed. The message names every bad setting; secrets are never echoed. */
export class CacheConfigError extends Error {
  override readonly name = 'CacheConfigError';

  constructor(readonly problems: string[]) {
    super(`Invalid ideagraph-cache configuration:\n  - ${problems.join('\n  - ')}`);
  }
}
