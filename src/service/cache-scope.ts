import type { ValueFormat } from '../codec/value-format';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import type { GetOrSetFlow } from '../get-or-set/get-or-set-flow';
import type { StoredEntries } from '../get-or-set/stored-entries';
import type { GuardedStore } from '../resilience/guarded-store';
import type { TagCheck } from '../tags/tag-check';
import type { ServiceCounters } from './cache-call.types';

/**
 * What the service's collaborators (its batch, single-key and entry-reading calls) share
 * with the service that owns them: one set of counters, one guard, one key prefix.
 */
export interface CacheScope {
  readonly options: IdeaGraphCacheOptions;
  readonly keyPrefix: string;
  readonly guard: GuardedStore;
  readonly entries: StoredEntries;
  readonly flow: GetOrSetFlow;
  readonly tagCheck: TagCheck;
  readonly format: ValueFormat;
  readonly counters: ServiceCounters;
  /** The stored text of `value` (CacheValueError for a value the format cannot hold). */
  encode(value: unknown): string;
}
