import { encodeForStore } from '../codec/encode-for-store';
import type { ValueFormat } from '../codec/value-format';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { timeoutToMs } from '../keys/cache-timeout';
import type { CacheStore } from '../stores/cache-store';
import type { TagStamp, TagVersions } from '../tags/tag-versions';
import type { GetOrSetPolicy } from './get-or-set-options';
import { wrapEntry, type EntryTimes } from './stored-entry';

type Timeout = number | null | undefined;

/** A write as the store takes it: the text, or the text once the tags' versions are known. */
export type PreparedWrite = {
  storeKey: string;
  ttlMs: number | null;
  encoded: string;
  text: (store: CacheStore) => string | Promise<string>;
};

/** What preparing a write needs of the cache. */
export interface WriteContext {
  keyPrefix: string;
  options: IdeaGraphCacheOptions;
  versions: TagVersions;
  format: ValueFormat;
}

/**
 * The store key, TTL (null: never; 0: remove) and text of a write. Without grace,
 * refresh-ahead or tags the value is stored as a plain set stores it. With tags, the
 * text needs the tags' versions, read inside the write's own guarded call.
 */
export function prepareWrite(
  context: WriteContext,
  key: string,
  value: unknown,
  timeout: Timeout,
  policy: GetOrSetPolicy | undefined,
  tags?: readonly string[] | TagStamp,
  now = Date.now(),
): PreparedWrite {
  const ttlMs = timeoutToMs(timeout, context.options.defaultTimeout);
  const encoded = encodeForStore(value, context.options.maxValueBytes, context.format);
  const storeKey = context.keyPrefix + key;
  const stamp = tags !== undefined && !isTagList(tags) ? tags.versions : undefined;
  const tagList = stamp ? Object.keys(stamp) : tags && isTagList(tags) && tags.length > 0 ? tags : undefined;
  if (tagList) context.versions.storeKeys(tagList);
  const timed = policy !== undefined && (policy.grace > 0 || policy.refreshAhead > 0) && ttlMs !== null && ttlMs > 0;
  if (ttlMs === 0 || (!timed && !tagList)) return { storeKey, ttlMs, encoded, text: () => encoded };
  const graceMs = timed ? policy.grace * 1000 : 0;
  const times: EntryTimes =
    ttlMs === null
      ? { bornAt: now, freshUntil: null, staleUntil: null }
      : { bornAt: now, freshUntil: now + ttlMs, staleUntil: now + ttlMs + graceMs };
  const storedTtl = times.staleUntil === null ? null : times.staleUntil - now;
  if (!tagList)
    return { storeKey, ttlMs: storedTtl, encoded, text: () => wrapEntry(encoded, { times }, context.format.binary) };
  if (stamp)
    return {
      storeKey,
      ttlMs: storedTtl,
      encoded,
      text: () => wrapEntry(encoded, { times, tags: { ...stamp } }, context.format.binary),
    };
  return {
    storeKey,
    ttlMs: storedTtl,
    encoded,
    text: async (store) =>
      wrapEntry(encoded, { times, tags: await context.versions.forWrite(store, tagList) }, context.format.binary),
  };
}

function isTagList(tags: readonly string[] | TagStamp): tags is readonly string[] {
  return Array.isArray(tags);
}
