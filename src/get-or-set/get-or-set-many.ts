import type { CacheTimeout } from '../keys/cache-timeout';
import { setOwn } from '../codec/value-codec';
import { CacheFactoryError, CacheFactoryTimeoutError } from './get-or-set.errors';
import { NOT_PRODUCED, type EntryPort, type FoundEntry, type GetOrSetFlow } from './get-or-set-flow';
import { resolvePolicy, type GetOrSetOptions, type GetOrSetPolicy } from './get-or-set-options';
import type { GetOrSetDefaults } from '../config/cache-options';
import type { TagStamp } from '../tags/tag-versions';
import { stampBeforeFactory, UNSTAMPED } from './tag-stamp';
import { within, type Bounded } from './within';

/** Seconds, as everywhere in the cache; null never expires; undefined: CACHE_DEFAULT_TIMEOUT. */
type Timeout = CacheTimeout | undefined;

/** What a getOrSetMany factory is told. */
export interface ManyFactoryContext<T> {
  /** Stale values of the missing keys that have one (within grace). */
  readonly stale: Readonly<Record<string, T>>;
  /** Seconds the results will be stored for; the factory may change it. */
  timeout: CacheTimeout | undefined;
}

/** Computes the missing keys at once; a key it leaves out is not stored and not returned. */
export type ManyFactory<T> = (
  missing: string[],
  context: ManyFactoryContext<T>,
) => ManyResult<T> | Promise<ManyResult<T>>;
export type ManyResult<T> = Record<string, T> | Map<string, T>;

/** What getOrSetMany needs of the cache service besides getOrSet's port. */
export interface ManyEntryPort extends EntryPort {
  /** Every key's entry, in one round trip; absent keys are left out. */
  readEntries<T>(keys: string[]): Promise<Map<string, FoundEntry<T>>>;
  /** Stores them all in one round trip; resolves with a copy of each value, as a read would give it. */
  writeEntriesCopied<T>(
    entries: [string, T][],
    timeout: Timeout,
    policy: GetOrSetPolicy | undefined,
    tags?: readonly string[] | TagStamp,
  ): Promise<Map<string, T>>;
}

/**
 * getOrSet for many keys: one read for all of them, one factory call for every key that
 * is missing or stale (and not being computed already in this process), one write for the
 * results. Keys being computed are joined, so two overlapping calls never compute a key twice.
 * The fleet lock does not apply: one lock per key would cost a round trip per key.
 */
export async function getOrSetMany<T>(
  flow: GetOrSetFlow,
  entries: ManyEntryPort,
  defaults: GetOrSetDefaults,
  keys: string[],
  factory: ManyFactory<T>,
  timeout: Timeout,
  options: GetOrSetOptions | undefined,
): Promise<Record<string, T>> {
  // The bound counts from the call, its read included: the longest its caller waits.
  const startedAt = Date.now();
  const policy = resolvePolicy(defaults, options);
  const found = await entries.readEntries<T>(keys);
  const result: Record<string, T> = {};
  const joined: [string, Promise<T>][] = [];
  const missing: string[] = [];
  const stale: Record<string, T> = {};
  for (const key of keys) {
    const entry = found.get(key);
    if (entry?.fresh) setOwn(result, key, entry.value);
    else if (flow.isComputing(key)) {
      const running = flow.join<T>(key)!;
      // Awaited below, unless this call fails first: its failure must not leave these unhandled.
      running.catch(() => undefined);
      joined.push([key, running]);
    } else {
      missing.push(key);
      if (entry) setOwn(stale, key, entry.value);
    }
  }
  if (missing.length > 0) {
    const context: ManyFactoryContext<T> = { stale, timeout };
    const computed = stampBeforeFactory(entries, options?.tags).then((stamp) =>
      flow
        .callFactory(missing.join(','), () => factory([...missing], context))
        .then(async (produced) => {
          const pairs = resultPairs(produced, missing);
          // Without stamped tag versions nothing is stored: the caller gets copies all the same.
          const copies =
            pairs.length === 0
              ? new Map<string, T>()
              : stamp === UNSTAMPED
                ? new Map(pairs.map(([key, value]) => [key, entries.copy(value)]))
                : await entries.writeEntriesCopied(pairs, context.timeout, policy, stamp);
          return { values: new Map(pairs), copies };
        }),
    );
    // Fail-safe only when every missing key has a stale value to fall back on; otherwise the call waits up to its hard bound.
    const allStale = missing.every((key) => hasOwn(stale, key));
    const soft = allStale && policy.softTimeoutMs > 0 && policy.softTimeoutMs < policy.hardTimeoutMs;
    const bounded = within(
      computed,
      Math.max(0, startedAt + (soft ? policy.softTimeoutMs : policy.hardTimeoutMs) - Date.now()),
    );
    // Other callers of these keys share this call's bounded outcome, never the factory itself:
    // a factory that hangs would otherwise hold every later caller of its keys with it.
    for (const key of missing) {
      const shared = bounded.then((outcome) => keyOutcome(outcome, key, stale, policy));
      // A key nobody joined has nobody to hear its failure: the caller hears it from `outcome`.
      shared.catch(() => undefined);
      flow.share(key, shared);
    }
    const outcome = await bounded;
    if (outcome.kind === 'value') {
      for (const [key, copy] of outcome.value.copies) setOwn(result, key, copy);
    } else {
      if (outcome.kind === 'timeout') computed.catch(() => undefined);
      if (!allStale) {
        if (outcome.kind === 'error') {
          flow.counters.factoryErrors++;
          throw outcome.error;
        }
        flow.counters.hardTimeouts++;
        throw new CacheFactoryTimeoutError(
          missing.length === 1 ? missing[0] : `${missing.length} keys`,
          policy.hardTimeoutMs,
        );
      }
      const reason = outcome.kind === 'timeout' ? 'the factory ran past its timeout' : 'the factory failed (fail-safe)';
      for (const key of missing) flow.servedStale(key, reason);
      if (outcome.kind === 'error') flow.counters.factoryErrors++;
      else if (soft) flow.counters.softTimeouts++;
      for (const key of missing) setOwn(result, key, stale[key]);
    }
  }
  for (const [key, running] of joined) {
    try {
      setOwn(result, key, await running);
    } catch {
      // The other call's failure is its own; this call just lacks the key.
    }
  }
  return result;
}

/** What the factory produced, as it returned it (joiners copy what they take), and the caller's own copies. */
type Produced<T> = { values: Map<string, T>; copies: Map<string, T> };

/** What a caller that joined `key` gets of a bounded outcome: the key's value or stale value, NOT_PRODUCED, or the call's failure. */
function keyOutcome<T>(
  outcome: Bounded<Produced<T>>,
  key: string,
  stale: Record<string, T>,
  policy: GetOrSetPolicy,
): T | typeof NOT_PRODUCED {
  if (outcome.kind === 'value') return outcome.value.values.has(key) ? outcome.value.values.get(key)! : NOT_PRODUCED;
  if (hasOwn(stale, key)) return stale[key];
  throw outcome.kind === 'error' ? outcome.error : new CacheFactoryTimeoutError(key, policy.hardTimeoutMs);
}

function hasOwn(record: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(record, key);
}

function resultPairs<T>(produced: ManyResult<T>, missing: string[]): [string, T][] {
  if (produced === null || typeof produced !== 'object') {
    throw new CacheFactoryError(
      'a getOrSetMany factory must return a record or a Map of key to value',
      'INVALID_RESULT',
    );
  }
  const wanted = new Set(missing);
  const pairs = produced instanceof Map ? [...produced] : Object.entries(produced);
  return pairs.filter(([key]) => wanted.has(key));
}
