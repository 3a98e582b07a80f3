import { Logger } from '@nestjs/common';
import { logText } from '../common/log-text';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import type { GuardedStore } from '../resilience/guarded-store';

/**
 * The service's own log lines, beside the guard's fault log: each one throttled or behind
 * the debug level, so a storm costs no I/O, and none carries a key's value or a caller's
 * text unescaped.
 */

/** Counted in getStats() always; a line only when debug is on, so a fail-safe storm costs no I/O. */
export function staleServeLogger(logger: Logger): (key: string, reason: string) => void {
  return (key, reason) => {
    if (Logger.isLevelEnabled('debug')) logger.debug(`getOrSet served a stale value of "${key}": ${reason}`);
  };
}

/** A stored text the value format does not read: a miss, and one throttled warning that names the cache, never the key or the text. */
export function warnRefusedValue(
  guard: GuardedStore,
  keyPrefix: string,
  valueFormat: IdeaGraphCacheOptions['valueFormat'],
  reason: string,
): void {
  guard.faultLog.throttledWarn(
    'refused-value',
    () =>
      `a value under "${keyPrefix}" was not read (${logText(reason, 200)}); it counts as a miss (CACHE_VALUE_FORMAT=${valueFormat})`,
  );
}

/** A decorated call that ran without the cache: logged throttled per method. The reason can hold a caller's text, so it is escaped and shortened. */
export function warnKeylessCall(guard: GuardedStore, where: string, reason: string): void {
  guard.faultLog.throttledWarn(
    `keyless-call ${where}`,
    () => `${where}: no cache key for this call (${logText(reason, 200)}); the method ran without the cache`,
  );
}
