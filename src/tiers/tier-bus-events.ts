import type { BusEvents } from '../bus/invalidation-bus';
import type { KeyChangeWaiters } from '../stores/key-change-waiters';
import type { TierParts } from './tier-parts';

/** Another process changed keys, cleared a prefix, or the bus went silent and came back. */
export function tierBusEvents(parts: TierParts, waiters: KeyChangeWaiters): BusEvents {
  return {
    invalidate: (keys: readonly string[]) => {
      for (const key of keys) {
        parts.fence.invalidated(key);
        parts.l1.drop(key);
      }
      waiters.changed(keys);
    },
    clear: (prefix: string) => {
      parts.fence.wiped();
      parts.l1.dropPrefix(prefix);
      waiters.changedAll();
    },
    // Kept while lost, for stale-if-error if Redis fails too; never served as fresh.
    lost: (_reason: string) => parts.fence.wiped(),
    regained: () => {
      parts.fence.wiped();
      parts.l1.dropPrefix('');
    },
  };
}
