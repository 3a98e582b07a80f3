import type { CacheTimeout } from '../keys/cache-timeout';
import type { LockAttempt } from '../fleet/fleet-lock';
import { markBackgroundRefresh } from './background-refresh';
import { LOCK_SLACK_MS } from './fleet-claim';
import type { EntryPort, Factory, FactoryContext, FactoryRunner, FleetPort, FoundEntry } from './get-or-set-ports';
import type { GetOrSetPolicy } from './get-or-set-options';
import { stampBeforeFactory, UNSTAMPED } from './tag-stamp';

type Timeout = CacheTimeout | undefined;

/**
 * Refresh-ahead: once an entry is past its refresh point, the first caller starts one
 * background refresh (one per fleet with the fleet lock) and every caller keeps the
 * current value.
 */
export class RefreshAhead {
  /** Keys refreshed ahead, with the bornAt of the entry each refresh replaces. */
  private readonly refreshed = new Map<string, number>();

  constructor(
    private readonly flow: FactoryRunner,
    private readonly entries: EntryPort,
    private readonly fleet: FleetPort | undefined,
  ) {}

  /** Starts one background refresh of an entry past its refresh point; the callers keep the current value. */
  ifDue<T>(
    key: string,
    found: FoundEntry<T>,
    factory: Factory<T>,
    timeout: Timeout,
    policy: GetOrSetPolicy,
    tags: readonly string[] | undefined,
  ): void {
    const { bornAt, freshUntil } = found.meta!.times;
    if (freshUntil === null || Date.now() < bornAt + policy.refreshAhead * (freshUntil - bornAt)) return;
    // One refresh per stored entry: a read that saw the old entry after its refresh finished must not start another.
    if (this.flow.isComputing(key) || (this.refreshed.get(key) ?? -1) >= bornAt) return;
    if (this.refreshed.size > 10_000) this.refreshed.clear();
    this.refreshed.set(key, bornAt);
    const refresh = (async () => {
      let lock: (LockAttempt & { kind: 'acquired' }) | undefined;
      if (policy.fleetLock && this.fleet) {
        const attempt = await this.fleet.tryLock(key, policy.hardTimeoutMs + LOCK_SLACK_MS);
        // Another process refreshes it: one refresh per key per fleet.
        if (attempt.kind === 'held') return found.value;
        if (attempt.kind === 'acquired') lock = attempt;
      }
      try {
        this.flow.counters.backgroundRefreshes++;
        const context: FactoryContext<T> = markBackgroundRefresh({ key, stale: found.value, timeout });
        const stamp = await stampBeforeFactory(this.entries, tags);
        const value = await this.flow.callFactory(key, () => factory(context));
        if (stamp !== UNSTAMPED) await this.entries.writeEntry(key, value, context.timeout, policy, stamp);
        if (lock) this.fleet?.feed?.announce(this.fleet.storeKey(key));
        return value;
      } finally {
        await lock?.release();
      }
    })();
    // Callers keep getting the current value at once; a failed refresh keeps it too.
    refresh.catch(() => this.flow.counters.factoryErrors++);
  }
}
