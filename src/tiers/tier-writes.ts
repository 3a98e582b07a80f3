import type { WriteRepair } from '../stores/write-repair';
import { dropLocal, l1Ttl, type TierParts } from './tier-parts';

/**
 * The tiered store's write path: L2 first, then this process's L1, then an invalidation
 * naming the keys for every other process. A write that fails drops its keys from this L1.
 */

export function writeSet(parts: TierParts, key: string, value: string, ttlMs: number | null): Promise<unknown> {
  const ticket = beginWrite(parts, key);
  const stored = parts.l2.set(key, value, ttlMs);
  if (parts.settings.publishWithWrite) parts.bus.announce(key);
  return stored.then(
    (reply) => {
      keepWritten(parts, ticket, key, value, ttlMs);
      if (!parts.settings.publishWithWrite) parts.bus.announce(key);
      return reply;
    },
    (error: unknown) => writeFailed(parts, ticket, key, error),
  );
}

export async function writeAdd(parts: TierParts, key: string, value: string, ttlMs: number | null): Promise<boolean> {
  const ticket = beginWrite(parts, key);
  let added: boolean;
  try {
    added = await parts.l2.add(key, value, ttlMs);
  } catch (error) {
    return writeFailed(parts, ticket, key, error);
  }
  if (!added) {
    parts.fence.release(ticket);
    return false;
  }
  keepWritten(parts, ticket, key, value, ttlMs);
  parts.bus.announce(key);
  return true;
}

export async function writeMany(parts: TierParts, entries: [string, string][], ttlMs: number | null): Promise<void> {
  const keys = entries.map(([key]) => key);
  for (const key of keys) parts.fence.invalidated(key);
  const ticket = parts.fence.take();
  const stored = parts.l2.setMany(entries, ttlMs);
  if (parts.settings.publishWithWrite) parts.bus.announce(keys);
  try {
    await stored;
  } catch (error) {
    parts.fence.release(ticket);
    for (const key of keys) parts.l1.drop(key);
    throw error;
  }
  const fillable = parts.fence.redeemMany(ticket, keys);
  for (const [key, value] of entries) {
    if (fillable(key) && parts.bus.live) parts.l1.put(key, value, l1Ttl(parts, ttlMs));
    else parts.l1.drop(key);
  }
  if (!parts.settings.publishWithWrite) parts.bus.announce(keys);
}

export async function removing(
  parts: TierParts,
  key: string,
  removal: Promise<boolean>,
  announceEarly: boolean,
): Promise<boolean> {
  dropLocal(parts, key);
  const early = announceEarly && parts.settings.publishWithWrite;
  if (early) parts.bus.announce(key);
  const removed = await removal;
  // Again: a fill whose read was sent before the delete may have landed meanwhile.
  dropLocal(parts, key);
  if (removed && !early) parts.bus.announce(key);
  return removed;
}

export async function removeMany(parts: TierParts, keys: string[]): Promise<number> {
  for (const key of keys) dropLocal(parts, key);
  const deleted = parts.l2.deleteMany(keys);
  if (parts.settings.publishWithWrite) parts.bus.announce(keys);
  const count = await deleted;
  // Again, as removing() does: a fill whose read was sent before the delete may have landed meanwhile.
  for (const key of keys) dropLocal(parts, key);
  if (!parts.settings.publishWithWrite) parts.bus.announce(keys);
  return count;
}

export async function increment(parts: TierParts, key: string, delta: number): Promise<number | null> {
  // The new value's TTL is unknown here: the next read fills it, TTL and all.
  dropLocal(parts, key);
  const next = await parts.l2.incrBy(key, delta);
  dropLocal(parts, key);
  if (next !== null) parts.bus.announce(key);
  return next;
}

export async function retouch(parts: TierParts, key: string, ttlMs: number | null): Promise<boolean> {
  const touched = await parts.l2.touch(key, ttlMs);
  if (!touched) return false;
  // Other L1s may hold the entry for longer than its new TTL: they drop it.
  parts.l1.retime(key, l1Ttl(parts, ttlMs));
  parts.bus.announce(key);
  return true;
}

export async function clearPrefix(parts: TierParts, keyPrefix: string): Promise<number> {
  parts.fence.wiped();
  const deleted = await parts.l2.clear(keyPrefix);
  // Again after: a read that started during the SCAN may have filled a key it had not reached yet.
  parts.fence.wiped();
  parts.l1.dropPrefix(keyPrefix);
  parts.bus.announceClear(keyPrefix);
  return deleted;
}

/** A write the guard gave up on (failed, timed out, or held back by the breaker): this L1 must not keep what it replaced. */
export function discardLocal(parts: TierParts, repair: WriteRepair): void {
  if (typeof repair === 'string') dropLocal(parts, repair);
  else if ('clearPrefix' in repair) {
    parts.fence.wiped();
    parts.l1.dropPrefix(repair.clearPrefix);
  } else for (const key of repair as readonly string[]) dropLocal(parts, key);
}

/**
 * Fences this process's own reads of the key that are still in flight (a reply that
 * left Redis before this write must not land in L1 after it), then takes the write's
 * own ticket: what it wrote enters L1 only if no other process changed the key meanwhile.
 */
function beginWrite(parts: TierParts, key: string): number {
  parts.fence.invalidated(key);
  return parts.fence.take();
}

/** After a confirmed write: L1 keeps what was written, unless the key changed meanwhile. */
function keepWritten(parts: TierParts, ticket: number, key: string, value: string, ttlMs: number | null): void {
  if (parts.fence.redeem(ticket, key) && parts.bus.live) parts.l1.put(key, value, l1Ttl(parts, ttlMs));
  else parts.l1.drop(key);
}

function writeFailed(parts: TierParts, ticket: number, key: string, error: unknown): never {
  parts.fence.release(ticket);
  parts.l1.drop(key);
  throw error;
}
