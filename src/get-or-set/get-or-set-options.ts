import type { GetOrSetDefaults } from '../config/cache-options';
import { CacheFactoryError } from './get-or-set.errors';

/** Per-call options of getOrSet and getOrSetMany; anything left out takes the module default. */
export interface GetOrSetOptions {
  /** Seconds the entry stays stored after its timeout, to be served as stale if the factory fails. */
  grace?: number;
  /** With a stale value at hand: the longest to wait for the factory before returning the stale value. 0 = off. */
  softTimeoutMs?: number;
  /** Without a stale value: the longest to wait for the factory before CacheFactoryTimeoutError. */
  hardTimeoutMs?: number;
  /** Once this fraction of the timeout has passed, the first caller starts one background refresh. 0 = off. */
  refreshAhead?: number;
  /** Share one factory call among the cold callers of every process (redis and hybrid). */
  fleetLock?: boolean;
  /** Seconds a stale value served after a factory failure counts as fresh again. */
  failSafeThrottle?: number;
  /** Tags of the stored result, for invalidateTags (docs/tags.md). */
  tags?: readonly string[];
}

export type GetOrSetPolicy = Readonly<GetOrSetDefaults>;

type Rule = { check: (value: number) => boolean; allowed: string };
const RULES: Record<Exclude<keyof GetOrSetOptions, 'fleetLock' | 'tags'>, Rule> = {
  grace: { check: (v) => v >= 0 && v <= 31_536_000, allowed: 'seconds from 0 to 31536000' },
  softTimeoutMs: {
    check: (v) => Number.isSafeInteger(v) && v >= 0 && v <= 3_600_000,
    allowed: 'an integer from 0 to 3600000',
  },
  hardTimeoutMs: {
    check: (v) => Number.isSafeInteger(v) && v >= 1 && v <= 3_600_000,
    allowed: 'an integer from 1 to 3600000',
  },
  refreshAhead: { check: (v) => v >= 0 && v < 1, allowed: 'a fraction from 0 up to, not including, 1' },
  failSafeThrottle: { check: (v) => v > 0 && v <= 86_400, allowed: 'seconds above 0, at most 86400' },
};

/** The module defaults with the call's options on top; a bad option throws CacheFactoryError before anything runs. */
export function resolvePolicy(defaults: GetOrSetDefaults, options: GetOrSetOptions | undefined): GetOrSetPolicy {
  if (options === undefined) return defaults;
  if (typeof options !== 'object' || options === null) throw invalid('options must be an object');
  const policy: GetOrSetDefaults = { ...defaults };
  for (const [name, value] of Object.entries(options) as [keyof GetOrSetOptions, unknown][]) {
    if (value === undefined || name === 'tags') continue;
    if (name === 'fleetLock') {
      if (typeof value !== 'boolean') throw invalid(`fleetLock must be true or false, got ${String(value)}`);
      policy.fleetLock = value;
      continue;
    }
    const rule = RULES[name];
    if (!rule)
      throw invalid(
        `unknown option ${JSON.stringify(name)}; known: ${[...Object.keys(RULES), 'fleetLock', 'tags'].join(', ')}`,
      );
    if (typeof value !== 'number' || !Number.isFinite(value) || !rule.check(value)) {
      throw invalid(`${name} must be ${rule.allowed}, got ${String(value)}`);
    }
    policy[name] = value;
  }
  return policy;
}

function invalid(message: string): CacheFactoryError {
  return new CacheFactoryError(`getOrSet: ${message}`, 'INVALID_OPTION');
}
