import { randomBytes } from 'node:crypto';
import { assertKeyText, TAG_KEY_PREFIX } from '../keys/cache-key';
import { CacheKeyError } from '../errors/cache.errors';
import type { CacheStore } from '../stores/cache-store';

/**
 * Tags with the versions they had at one moment: what an entry is stored with when its
 * value was computed from data read after that moment (a getOrSet factory's result).
 */
export interface TagStamp {
  readonly versions: Readonly<Record<string, string>>;
}

/**
 * Tags as versions. Each tag has a version, a random token stored under `~tag:<tag>`. A
 * tagged entry records the versions of its tags when it is written; it is valid while
 * every one still matches. `invalidateTags` gives the tags new versions, so every entry
 * that carries one stops matching at once, everywhere, without finding or deleting it.
 *
 * Versions, not timestamps: no clock is compared, so clock skew between processes cannot
 * let an old entry through. A version that is gone (evicted, cleared, or deleted by the
 * recovery of a failed invalidation) matches nothing, so losing one only costs misses.
 * The version keys are ordinary cache entries: on hybrid they sit in every L1 and the bus
 * drops them when they change, so a tagged read there needs no I/O either.
 */
export class TagVersions {
  constructor(private readonly keyPrefix: string) {}

  /** The store keys of `tags`, each checked like a cache key. */
  storeKeys(tags: readonly string[]): string[] {
    return tags.map((tag) => {
      if (typeof tag !== 'string' || tag === '')
        throw new CacheKeyError(`a tag must be a non-empty string, got ${JSON.stringify(tag)}`);
      assertKeyText(TAG_KEY_PREFIX + tag);
      return this.keyPrefix + TAG_KEY_PREFIX + tag;
    });
  }

  /** The store key of `tag`, unchecked: for lookups in process only, where a key that cannot exist simply is not found. */
  storeKeyOf(tag: string): string {
    return this.keyPrefix + TAG_KEY_PREFIX + tag;
  }

  /** The tags' current versions, creating those that have none yet; through `store`, inside the write's guarded call. */
  async forWrite(store: CacheStore, tags: readonly string[]): Promise<Record<string, string>> {
    const unique = [...new Set(tags)];
    const keys = this.storeKeys(unique);
    const found = await store.getMany(keys);
    const versions: Record<string, string> = {};
    for (let i = 0; i < unique.length; i++) {
      let version = found[i];
      if (version === undefined) {
        const created = newVersion();
        // Another process may create it at the same moment: its version wins, read back.
        version = (await store.add(keys[i], created, null)) ? created : ((await store.get(keys[i])) ?? undefined);
        if (version === undefined)
          throw new Error(`the version of tag ${JSON.stringify(unique[i])} could not be read back`);
      }
      versions[unique[i]] = version;
    }
    return versions;
  }

  /** New versions for `tags`: the entries and texts to store. */
  renewed(tags: readonly string[]): [string, string][] {
    return this.storeKeys([...new Set(tags)]).map((key) => [key, newVersion()]);
  }

  /** True if every recorded version still matches `current` (the values read under storeKeys(tags)). */
  static matches(
    recorded: Record<string, string>,
    tags: readonly string[],
    current: readonly (string | null | undefined)[],
  ): boolean {
    return tags.every((tag, i) => current[i] !== undefined && current[i] !== null && current[i] === recorded[tag]);
  }
}

/** A version is stored like any value (JSON text), so every backend and every L1 keeps it as it keeps values. */
function newVersion(): string {
  return JSON.stringify(randomBytes(9).toString('base64url'));
}
