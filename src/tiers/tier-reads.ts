import type { RedisStore } from '../stores/redis.store';
import { l1Ttl, type TierParts } from './tier-parts';

/**
 * The tiered store's read path: `peek` answers from L1 without I/O while the bus is live;
 * otherwise L2 is read with the entry's remaining TTL in one round trip and fills L1,
 * through the fence.
 */

export function peekL1(parts: TierParts, key: string): string | undefined {
  if (!parts.bus.live) return undefined;
  const text = parts.l1.peek(key);
  if (text !== undefined) parts.stats.l1Hits++;
  return text;
}

export function readThrough(parts: TierParts, key: string): Promise<string | undefined> {
  const ticket = parts.fence.take();
  const sentAt = performance.now();
  return parts.l2.getWithTtl(key).then(
    (found) => {
      const fillable = parts.fence.redeem(ticket, key);
      if (found === undefined) return undefined;
      parts.stats.l2Hits++;
      if (fillable) fill(parts, key, found[0], found[1], sentAt);
      return found[0];
    },
    (error: unknown) => {
      parts.fence.release(ticket);
      throw error;
    },
  );
}

export async function readManyThrough(parts: TierParts, keys: string[]): Promise<(string | undefined)[]> {
  const answers: (string | undefined)[] = keys.map((key) => peekL1(parts, key));
  const missing = keys.filter((_, i) => answers[i] === undefined);
  if (missing.length === 0) return answers;
  const ticket = parts.fence.take();
  const sentAt = performance.now();
  let found: Awaited<ReturnType<RedisStore['getManyWithTtl']>>;
  try {
    found = await parts.l2.getManyWithTtl(missing);
  } catch (error) {
    parts.fence.release(ticket);
    throw error;
  }
  const fillable = parts.fence.redeemMany(ticket, missing);
  let next = 0;
  for (let i = 0; i < keys.length; i++) {
    if (answers[i] !== undefined) continue;
    const entry = found[next++];
    if (entry === undefined) continue;
    parts.stats.l2Hits++;
    answers[i] = entry[0];
    if (fillable(keys[i])) fill(parts, keys[i], entry[0], entry[1], sentAt);
  }
  return answers;
}

/**
 * `ttlMs` is what Redis had left when it ran the read, some time after `sentAt`: counted
 * from `sentAt`, the L1 entry ends no later than the key in Redis. A read that reached
 * Redis in the key's last millisecond gets PTTL 0; nothing is filled then (an L1 TTL of 0
 * would mean "never expires": such entries outlived their key by minutes).
 */
function fill(parts: TierParts, key: string, text: string, ttlMs: number | null, sentAt: number): void {
  if (!parts.bus.live) return;
  const left = ttlMs === null ? null : ttlMs - (performance.now() - sentAt);
  if (left !== null && !(left >= 1)) return;
  parts.l1.put(key, text, l1Ttl(parts, left === null ? null : Math.floor(left)));
}
