import type { GuardedStore } from '../resilience/guarded-store';
import type { EntryMeta } from '../get-or-set/stored-entry';
import { TagVersions } from './tag-versions';

/** Checks tagged entries against their tags' current versions: one read of the version keys (on hybrid, L1 hits). */
export class TagCheck {
  constructor(
    private readonly guard: GuardedStore,
    private readonly versions: TagVersions,
  ) {}

  /**
   * `stillValid` for one entry from what the store holds in process (the hybrid's L1 while
   * its bus is live, locmem), without a guarded call or a promise: undefined when a version
   * is not there, so the backend must be asked. A second guarded call per tagged L1 hit was
   * half of the tag check's cost (docs/benchmarks.md).
   */
  peekValid(meta: EntryMeta): boolean | undefined {
    const store = this.guard.store;
    if (!store.peek || !meta.tags) return undefined;
    let valid = true;
    try {
      for (const [tag, recorded] of Object.entries(meta.tags)) {
        const current = store.peek(this.versions.storeKeyOf(tag));
        if (current === undefined) return undefined;
        if (current !== recorded) valid = false;
      }
    } catch {
      return undefined;
    }
    return valid;
  }

  /** For each entry: true while none of its tags was invalidated since it was written. A backend fault answers false (a miss is safe). */
  async stillValid(metas: readonly EntryMeta[]): Promise<boolean[]> {
    const tags = [...new Set(metas.flatMap((meta) => Object.keys(meta.tags ?? {})))];
    if (tags.length === 0) return metas.map(() => true);
    const keys = this.versions.storeKeys(tags);
    const current = await this.guard.run('getMany', keys, (store) => store.getMany(keys), undefined, this.guard.batchBoundMs(keys.length));
    if (!current) return metas.map((meta) => meta.tags === undefined);
    const byTag = new Map(tags.map((tag, i) => [tag, current[i]]));
    return metas.map((meta) => {
      const recorded = meta.tags ?? {};
      const names = Object.keys(recorded);
      return TagVersions.matches(recorded, names, names.map((name) => byTag.get(name)));
    });
  }
}
