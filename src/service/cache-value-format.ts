import { createValueFormat } from '../codec/create-value-format';
import { type FrozenValueFormat, frozenValueFormat } from '../codec/frozen-values';
import type { ValueFormat } from '../codec/value-format';
import type { IdeaGraphCacheOptions } from '../config/cache-options';

/** The format a cache reads and writes with, and with CACHE_L1_VALUES=frozen, the same format handing out frozen values. */
export interface CacheValueFormats {
  format: ValueFormat;
  frozen: FrozenValueFormat | undefined;
}

/** CACHE_VALUE_FORMAT, wrapped to hand out frozen values when CACHE_L1_VALUES=frozen. */
export function cacheValueFormats(
  options: IdeaGraphCacheOptions,
  refusedValue: (reason: string) => void,
): CacheValueFormats {
  const chosen = createValueFormat(options.valueFormat, refusedValue, options.maxValueBytes);
  const frozen = options.l1.values === 'frozen' ? frozenValueFormat(chosen, memoryEntries(options)) : undefined;
  return { format: frozen ?? chosen, frozen };
}

/** CACHE_L1_VALUES=frozen keeps one frozen value per stored text, as many as the store in memory holds. */
function memoryEntries(options: IdeaGraphCacheOptions): number {
  return options.backend === 'locmem' ? options.maxEntries : options.l1.maxEntries;
}
