import type { FaultLog } from './fault-log';
import { repairKeys, type OwnedWrite, type WriteRepair } from '../stores/write-repair';

// Re-exported so the guard keeps one import for the recovery and the repair it keeps.
export { repairKeys, type OwnedWrite, type WriteRepair } from '../stores/write-repair';

export interface RecoveryCounters {
  /** Keys (and clears) remembered because a write did not reach the backend. */
  queued: number;
  /** Remembered keys deleted, and clears carried out, once the backend answered again. */
  madeGood: number;
  /** Times the queue was full and fell back to a clear of this cache's prefix and version. */
  overflowed: number;
}

export interface WriteRecoverySettings {
  /** Most keys remembered; past it, the queue becomes one scoped clear. */
  maxKeys: number;
  /** This cache's `prefix:version:`, the scope of the overflow clear. */
  scopePrefix: string;
  /** Display name of the backend in log lines. */
  backend: string;
}

/** How the recovery reaches the store: bounded calls, through the guard that owns faults. */
export interface RecoveryChannel {
  /** True once deleted; false if the backend refused them for good (an error reply), so they are given up. */
  deleteMany(keys: string[]): Promise<boolean>;
  /** Deletes `key` only if it still holds `value` (atomically); false if it held something else, or was refused for good. */
  deleteIfEquals(key: string, value: string): Promise<boolean>;
  clear(prefix: string): Promise<unknown>;
}

/** Keys deleted per round trip while draining: large enough to drain 10k keys in 20 round trips, small enough to stay far inside one bound. */
export const RECOVERY_BATCH = 500;

/**
 * Remembers, per key, every write that did not reach the backend, and deletes those keys
 * once it answers again, before any other call goes through. Without it, the values a
 * failed delete or set meant to remove stay in Redis after the outage and are served
 * until their TTL runs out. Keys are remembered once (a Set: only the latest write of a
 * key matters, and its remedy is the same delete).
 */
export class WriteRecovery {
  readonly counters: RecoveryCounters = { queued: 0, madeGood: 0, overflowed: 0 };
  /** True while anything waits to be made good: the one check on the hot path. */
  hasWork = false;
  private readonly keys = new Set<string>();
  /** Owned keys, with every value of this process's that may have landed there (see OwnedWrite). */
  private readonly owned = new Map<string, Set<string>>();
  /** The owned value being compare-and-deleted, and whether a write of it failed again meanwhile. */
  private ownedInFlight: { key: string; value: string; failedAgain: boolean } | undefined;
  private clearPrefixes = new Set<string>();
  private overflowLogged = false;
  /** Keys with a write on its way to the backend: a repair delete sent now could land after it and undo it. */
  private readonly writing = new Map<string, number>();
  /** The batch being deleted, and its keys whose writes failed again meanwhile. */
  private inFlight: ReadonlySet<string> | undefined;
  private readonly failedAgain = new Set<string>();

  constructor(
    private readonly settings: WriteRecoverySettings,
    private readonly faultLog: FaultLog,
  ) {}

  /** Keys and clears waiting to be made good. */
  get pending(): number {
    let owned = 0;
    for (const values of this.owned.values()) owned += values.size;
    return this.keys.size + this.clearPrefixes.size + owned;
  }

  /** True if `keys` (a store key or several) may still hold a value a failed write meant to change. */
  covers(keys: string | readonly string[]): boolean {
    if (typeof keys === 'string') return this.coversKey(keys);
    for (const key of keys) if (this.coversKey(key)) return true;
    return false;
  }

  private coversKey(key: string): boolean {
    return this.keys.has(key) || this.owned.has(key) || this.coveredByClear(key);
  }

  /**
   * A write to these keys reached the backend: it made them good itself. A pending clear
   * still runs (the worst it does to the new value is a miss).
   */
  forget(repair: WriteRepair): void {
    if (typeof repair === 'string') this.keys.delete(repair);
    else if ('clearPrefix' in repair) return;
    else if ('ownedKey' in repair) this.forgetOwned(repair.ownedKey, repair.value);
    else for (const key of repair) this.keys.delete(key);
    this.hasWork = this.pending > 0;
  }

  remember(repair: WriteRepair): void {
    if (typeof repair === 'string') this.rememberKey(repair);
    else if ('clearPrefix' in repair) this.rememberClear(repair.clearPrefix);
    else if ('ownedKey' in repair) this.rememberOwned(repair);
    else for (const key of repair) this.rememberKey(key);
    this.hasWork = this.pending > 0;
  }

  /**
   * Makes every remembered write good: scoped clears first (they cover their keys), then
   * the keys in batches. Resolves once nothing is left; rejects with the first fault,
   * keeping what was not yet made good for the next attempt.
   */
  async drain(channel: RecoveryChannel): Promise<void> {
    for (const prefix of [...this.clearPrefixes]) {
      await channel.clear(prefix);
      this.clearPrefixes.delete(prefix);
      this.counters.madeGood++;
    }
    // Not awaited when there are none: the key batches below start in this tick, before a write that follows is tracked.
    if (this.owned.size > 0) await this.drainOwned(channel);
    while (this.keys.size > 0) {
      const batch: string[] = [];
      for (const key of this.keys) {
        if (this.writing.has(key)) continue;
        batch.push(key);
        if (batch.length === RECOVERY_BATCH) break;
      }
      // Only keys with a write still on its way are left: that write decides them (it is
      // forgotten when it lands, remembered again when it fails); the next drain looks again.
      if (batch.length === 0) break;
      for (const key of batch) this.failedAgain.delete(key);
      this.inFlight = new Set(batch);
      let deleted: boolean;
      try {
        deleted = await channel.deleteMany(batch);
      } finally {
        this.inFlight = undefined;
      }
      // A write that failed while this delete was in flight may land after it: its key stays.
      for (const key of batch) if (!this.failedAgain.delete(key)) this.keys.delete(key);
      if (deleted) this.counters.madeGood += batch.length;
    }
    this.hasWork = this.pending > 0;
    if (!this.hasWork) this.overflowLogged = false;
  }

  /** `sent`, a write to `repair`'s keys, tracked until it settles: no repair delete of those keys is sent meanwhile. */
  track<T>(repair: WriteRepair, sent: Promise<T>): Promise<T> {
    if (typeof repair !== 'string' && 'clearPrefix' in repair) return sent;
    const keys = repairKeys(repair);
    for (const key of keys) this.writing.set(key, (this.writing.get(key) ?? 0) + 1);
    const settled = () => {
      for (const key of keys) {
        const count = (this.writing.get(key) ?? 1) - 1;
        if (count > 0) this.writing.set(key, count);
        else this.writing.delete(key);
      }
    };
    sent.then(settled, settled);
    return sent;
  }

  /** Owned values are few (one per failed lock attempt): they never overflow the queue. */
  private rememberOwned({ ownedKey, value }: OwnedWrite): void {
    if (this.keys.has(ownedKey) || this.coveredByClear(ownedKey)) return;
    const values = this.owned.get(ownedKey) ?? new Set<string>();
    if (values.has(value)) {
      // A lock's second attempt sends the same value: if it was on its way behind the
      // compare-and-delete now in flight, it may land after it, so the value stays queued.
      const inFlight = this.ownedInFlight;
      if (inFlight?.key === ownedKey && inFlight.value === value) inFlight.failedAgain = true;
      return;
    }
    values.add(value);
    this.owned.set(ownedKey, values);
    this.counters.queued++;
  }

  private forgetOwned(key: string, value: string): void {
    const values = this.owned.get(key);
    if (!values) return;
    values.delete(value);
    if (values.size === 0) this.owned.delete(key);
  }

  /** Compare-and-deletes of owned values, one key at a time (they are few); a key with a write on its way waits for the next drain. */
  private async drainOwned(channel: RecoveryChannel): Promise<void> {
    for (const [key, values] of [...this.owned]) {
      if (this.writing.has(key)) continue;
      for (const value of [...values]) {
        const inFlight = { key, value, failedAgain: false };
        this.ownedInFlight = inFlight;
        let deleted: boolean;
        try {
          deleted = await channel.deleteIfEquals(key, value);
        } finally {
          this.ownedInFlight = undefined;
        }
        if (!inFlight.failedAgain) this.forgetOwned(key, value);
        if (deleted) this.counters.madeGood++;
      }
    }
  }

  private rememberKey(key: string): void {
    // A plain delete of the key also removes any value of its own an owned write left.
    this.owned.delete(key);
    if (this.keys.has(key)) {
      if (this.inFlight?.has(key)) this.failedAgain.add(key);
      return;
    }
    if (this.coveredByClear(key)) return;
    if (this.keys.size >= this.settings.maxKeys) {
      this.overflow();
      if (this.coveredByClear(key)) return;
    }
    this.keys.add(key);
    this.counters.queued++;
  }

  private rememberClear(prefix: string): void {
    if (this.clearPrefixes.has(prefix)) return;
    this.clearPrefixes.add(prefix);
    this.counters.queued++;
    for (const key of this.keys) if (key.startsWith(prefix)) this.keys.delete(key);
    for (const key of this.owned.keys()) if (key.startsWith(prefix)) this.owned.delete(key);
  }

  private coveredByClear(key: string): boolean {
    for (const prefix of this.clearPrefixes) if (key.startsWith(prefix)) return true;
    return false;
  }

  private overflow(): void {
    this.counters.overflowed++;
    this.rememberClear(this.settings.scopePrefix);
    // Keys outside this cache's scope (none today: one guard serves one prefix) stay remembered.
    if (this.overflowLogged) return;
    this.overflowLogged = true;
    this.faultLog.warn(
      `${this.settings.backend} cache: more than ${this.settings.maxKeys} writes failed during the outage (CACHE_RECOVERY_MAX_KEYS); ` +
        `once the backend answers, every key under "${this.settings.scopePrefix}" is cleared instead`,
    );
  }
}
