import type { LockAttempt } from '../fleet/fleet-lock';
import type { EntryPort, FleetPort, FoundEntry, GetOrSetCounters } from './get-or-set-ports';

/**
 * A holder releases its lock by its caller's hard timeout at the latest; the slack keeps a
 * lock whose release was lost (a dead process, a fault) from outliving its use for long.
 */
export const LOCK_SLACK_MS = 2000;

/** A fleet waiter looks again at least this often, even without a message (the fallback to the bus). */
const FLEET_POLL_MS = 250;

export type HeldLock = LockAttempt & { kind: 'acquired' };

/** What a claim ended with: another process's value, the lock (absent when Redis does not answer), or the caller's deadline. */
export type Claim<T> = { kind: 'value'; value: T } | { kind: 'lock'; lock?: HeldLock } | { kind: 'deadline' };

/**
 * The fleet lock of `key`, or the value another process stored while this one waited on
 * its lock, or `deadline` once the caller's hard timeout has passed: a waiter never waits
 * longer than its own caller would. With a stale value at hand there is no wait: the
 * holder refreshes, this call serves stale.
 */
export async function claimOrWait<T>(
  fleet: FleetPort,
  entries: EntryPort,
  counters: GetOrSetCounters,
  key: string,
  lockTtlMs: number,
  stale: FoundEntry<T> | undefined,
  deadline: number,
  servedStale: (key: string, reason: string) => void,
): Promise<Claim<T>> {
  let waited = false;
  for (;;) {
    const attempt = await fleet.tryLock(key, lockTtlMs);
    if (attempt.kind === 'unavailable') return { kind: 'lock' };
    if (attempt.kind === 'acquired') {
      // The holder before may have stored and released between our read and our lock.
      const found = waited || stale === undefined ? await entries.readEntry<T>(key) : undefined;
      if (found?.fresh) {
        await attempt.release();
        return { kind: 'value', value: found.value };
      }
      return { kind: 'lock', lock: attempt };
    }
    if (stale) {
      servedStale(key, 'another process is computing it');
      return { kind: 'value', value: stale.value };
    }
    if (!waited) counters.fleetLockWaits++;
    waited = true;
    // A holder that died blocks until its lock expires (tryLock then succeeds) or until our deadline.
    const left = deadline - Date.now();
    if (left <= 0) return { kind: 'deadline' };
    await (fleet.feed?.wait(fleet.storeKey(key), Math.min(FLEET_POLL_MS, left)) ??
      sleep(Math.min(FLEET_POLL_MS, left)));
    const found = await entries.readEntry<T>(key);
    if (found?.fresh) return { kind: 'value', value: found.value };
    if (Date.now() >= deadline) return { kind: 'deadline' };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
