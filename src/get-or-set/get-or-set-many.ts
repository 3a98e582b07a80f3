import type { CacheTimeout } from '../service/cache-manager.service';
import { setOwn } from '../codec/value-codec';
import { CacheFactoryError, CacheFactoryTimeoutError } from './get-or-set.errors';
import { NOT_PRODUCED, within, type EntryPort, type FoundEntry, type GetOrSetFlow } from './get-or-set-flow';
import { resolvePolicy, type GetOrSetOptions, type GetOrSetPolicy } from './get-or-set-options';
import type { GetOrSetDefaults } from '../config/cache-options';

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
export type ManyFactory<T> = (missing: string[], context: ManyFactoryContext<T>) => ManyResult<T> | Promise<ManyResult<T>>;
export type ManyResult<T> = Record<string, T> | Map<string, T>;

/** What getOrSetMany needs of the cache service besides getOrSet's port. */
export interface ManyEntryPort extends EntryPort {
  /** Every key's entry, in one round trip; absent keys are left out. */
  readEntries<T>(keys: string[]): Promise<Map<string, FoundEntry<T>>>;
  /** Stores them all in one round trip. */
  writeEntries(entries: [string, unknown][], timeout: Timeout, policy: GetOrSetPolicy | undefined, tags?: readonly string[]): Promise<boolean>;
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
  const policy = resolvePolicy(defaults, options);
  const found = await entries.readEntries<T>(keys);
  const result: Record<string, T> = {};
  const joined: [string, Promise<T>][] = [];
  const missing: string[] = [];
  const stale: Record<string, T> = {};
  for (const key of keys) {
    const entry = found.get(key);
    if (entry?.fresh) setOwn(result, key, entry.value);
    else if (flow.isComputing(key)) joined.push([key, flow.join<T>(key)!]);
    else {
      missing.push(key);
      if (entry) setOwn(stale, key, entry.value);
    }
  }
  if (missing.length > 0) {
    const context: ManyFactoryContext<T> = { stale, timeout };
    const computed = flow.callFactory(missing.join(','), () => factory([...missing], context)).then(async (produced) => {
      const pairs = resultPairs(produced, missing);
      if (pairs.length > 0) await entries.writeEntries(pairs, context.timeout, policy, options?.tags);
      return new Map(pairs);
    });
    for (const key of missing) flow.share(key, computed.then((values) => (values.has(key) ? values.get(key) : NOT_PRODUCED)));
    const outcome = await within(computed, Object.keys(stale).length > 0 && policy.softTimeoutMs > 0 ? policy.softTimeoutMs : policy.hardTimeoutMs);
    if (outcome.kind === 'value') {
      for (const [key, value] of outcome.value) setOwn(result, key, entries.copy(value as T));
    } else {
      if (outcome.kind === 'timeout') computed.catch(() => undefined);
      // Fail-safe only when every missing key has a stale value to fall back on.
      if (missing.some((key) => !Object.prototype.hasOwnProperty.call(stale, key))) {
        if (outcome.kind === 'error') {
          flow.counters.factoryErrors++;
          throw outcome.error;
        }
        flow.counters.hardTimeouts++;
        throw new CacheFactoryTimeoutError(missing.length === 1 ? missing[0] : `${missing.length} keys`, policy.hardTimeoutMs);
      }
      const reason = outcome.kind === 'timeout' ? 'the factory ran past its timeout' : 'the factory failed (fail-safe)';
      for (const key of missing) flow.servedStale(key, reason);
      if (outcome.kind === 'error') flow.counters.factoryErrors++;
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

function resultPairs<T>(produced: ManyResult<T>, missing: string[]): [string, T][] {
  if (produced === null || typeof produced !== 'object') {
    throw new CacheFactoryError('a getOrSetMany factory must return a record or a Map of key to value', 'INVALID_RESULT');
  }
  const wanted = new Set(missing);
  const pairs = produced instanceof Map ? [...produced] : Object.entries(produced);
  return pairs.filter(([key]) => wanted.has(key));
}
