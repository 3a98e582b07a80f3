import type { TagStamp } from '../tags/tag-versions';
import type { EntryPort } from './get-or-set-ports';

/** A result whose tags' versions could not be read before its factory ran: returned, never stored. */
export const UNSTAMPED: unique symbol = Symbol('unstamped');

/**
 * The versions of `tags` as they are before a factory starts: its result must carry these,
 * not the ones current when it is written, or a result computed across an invalidateTags
 * would be fresh under the new versions. Undefined without tags.
 */
export async function stampBeforeFactory(
  entries: EntryPort,
  tags: readonly string[] | undefined,
): Promise<TagStamp | undefined | typeof UNSTAMPED> {
  if (!tags || tags.length === 0) return undefined;
  return (await entries.readTagVersions(tags)) ?? UNSTAMPED;
}
