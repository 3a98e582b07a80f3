import { FleetLock, type LockStore } from '../fleet/fleet-lock';
import type { FleetPort } from '../get-or-set/get-or-set-ports';
import { fleetLockKey } from '../get-or-set/lock-key';
import type { GuardedStore } from '../resilience/guarded-store';

/**
 * The fleet lock and key-change feed of a cache, shared by getOrSet and GraphTokenService.
 * The lock's keys are reserved (`~lock:`): `locks` reaches them past the public checks.
 */
export function cacheFleet(locks: LockStore, guard: GuardedStore, keyPrefix: string): FleetPort {
  return {
    tryLock: (key, ttlMs) => new FleetLock(locks, fleetLockKey(key), ttlMs).tryAcquire(),
    feed: guard.store.changeFeed,
    storeKey: (key) => keyPrefix + key,
  };
}
