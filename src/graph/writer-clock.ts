/**
 * How far the clock of the process that wrote a shared entry is ahead of ours (negative:
 * behind), judged by the entry's TTL. The writer stored its entry with a TTL ending at
 * `cachedUntil` (its clock); the cache counts that TTL down on its one clock for every
 * reader, so "now + TTL left" is when the entry ends on our clock. The TTL is read in
 * whole seconds, rounded up, so it only places the end within one second: a writer whose
 * clock agrees with ours within that second is taken at its word (offset 0).
 */
export function writerClockOffsetMs(cachedUntil: number, ttlSeconds: number | null | undefined, now: number): number {
  // Without a TTL (a cache fault, or an entry without expiry) the writer's clock is all there is.
  if (typeof ttlSeconds !== 'number') return 0;
  const claimedLeft = cachedUntil - now;
  const left = Math.min(Math.max(claimedLeft, (ttlSeconds - 1) * 1000), ttlSeconds * 1000);
  return claimedLeft - left;
}
