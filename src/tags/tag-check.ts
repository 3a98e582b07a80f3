import type { GuardedStore } from '../resilience/guarded-store';
import type { EntryMeta } from '../get-or-set/stored-entry';
import { TagVersions } from './tag-versions';

/** Tagged reads waiting for the version read of this turn of the event loop. */
interface PendingCheck {
  metas: EntryMeta[];
  resolves: ((valid: boolean) => void)[];
}

/** What TagCheck keeps of one header: where its tags' versions are, and its last verdict from peeks. */
interface HeaderCheck {
  readonly tags: readonly (readonly [storeKey: string, recorded: string])[];
  /** The store's peekEpoch when `valid` was drawn; undefined: no verdict to keep. */
  epoch?: number;
  valid?: boolean;
}

/** Checks tagged entries against their tags' current versions: one read of the version keys (on hybrid, L1 hits). */
export class TagCheck {
  private pending: PendingCheck | undefined;
  /**
   * Per header (shared by every read of one stored text, see EntryHeaders): its tags' store
   * keys with their recorded versions, and the last verdict drawn from peeks with the store's
   * peekEpoch then (it holds until that changes).
   */
  private readonly checks = new WeakMap<EntryMeta, HeaderCheck>();

  constructor(
    private readonly guard: GuardedStore,
    private readonly versions: TagVersions,
  ) {}

  /**
   * `stillValid` for one entry, its version read shared with every other tagged read of the
   * same turn of the event loop: 100 tagged gets in flight cost one read of their versions,
   * where each sent its own (a command per get more, docs/benchmarks.md). A lone read still
   * costs its own round trip. The batch goes out once the replies of this turn are mapped
   * (process.nextTick runs after the promise jobs queued so far).
   */
  stillValidOne(meta: EntryMeta): Promise<boolean> {
    return new Promise((resolve) => {
      if (!this.pending) {
        const batch: PendingCheck = { metas: [], resolves: [] };
        this.pending = batch;
        process.nextTick(() => {
          this.pending = undefined;
          this.stillValid(batch.metas).then(
            (valid) => batch.resolves.forEach((settle, i) => settle(valid[i])),
            // A caller mistake (a tag that is not a valid key) fails only as the read it came from would: as a miss.
            () => batch.resolves.forEach((settle) => settle(false)),
          );
        });
      }
      this.pending.metas.push(meta);
      this.pending.resolves.push(resolve);
    });
  }

  /**
   * `stillValid` for one entry from what the store holds in process (the hybrid's L1 while
   * its bus is live, locmem), without a guarded call or a promise: undefined when a version
   * is not there, so the backend must be asked. A second guarded call per tagged L1 hit was
   * half of the tag check's cost (docs/benchmarks.md).
   */
  peekValid(meta: EntryMeta): boolean | undefined {
    const store = this.guard.store;
    if (!store.peek || !meta.tags) return undefined;
    const epoch = store.peekEpoch?.();
    let check = this.checks.get(meta);
    if (check === undefined) {
      const tags = Object.entries(meta.tags).map(
        ([tag, recorded]) => [this.versions.storeKeyOf(tag), recorded] as const,
      );
      check = { tags };
      this.checks.set(meta, check);
    } else if (epoch !== undefined && check.epoch === epoch) return check.valid;
    let valid = true;
    try {
      for (const [storeKey, recorded] of check.tags) {
        const current = store.peek(storeKey);
        if (current === undefined) return undefined;
        if (current !== recorded) valid = false;
      }
    } catch {
      return undefined;
    }
    check.epoch = epoch;
    check.valid = valid;
    return valid;
  }

  /**
   * For each entry: true while none of its tags was invalidated since it was written. A
   * backend fault answers false (a miss is safe), and so does a stored tag name that could
   * not be a tag (text from Redis may be hostile): it has no version to match.
   */
  async stillValid(metas: readonly EntryMeta[]): Promise<boolean[]> {
    const tags: string[] = [];
    const keys: string[] = [];
    for (const tag of new Set(metas.flatMap((meta) => Object.keys(meta.tags ?? {})))) {
      const key = this.storeKeyIfTag(tag);
      if (key === undefined) continue;
      tags.push(tag);
      keys.push(key);
    }
    if (tags.length === 0) return metas.map((meta) => meta.tags === undefined || Object.keys(meta.tags).length === 0);
    const current = await this.guard.run(
      'getMany',
      keys,
      (store) => store.getMany(keys),
      undefined,
      this.guard.batchBoundMs(keys.length),
    );
    if (!current) return metas.map((meta) => meta.tags === undefined);
    const byTag = new Map(tags.map((tag, i) => [tag, current[i]]));
    return metas.map((meta) => {
      const recorded = meta.tags ?? {};
      const names = Object.keys(recorded);
      return TagVersions.matches(
        recorded,
        names,
        names.map((name) => byTag.get(name)),
      );
    });
  }

  private storeKeyIfTag(tag: string): string | undefined {
    try {
      return this.versions.storeKeys([tag])[0];
    } catch {
      return undefined;
    }
  }
}
