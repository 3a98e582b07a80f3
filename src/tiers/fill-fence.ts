/**
 * Keeps a value read from Redis out of L1 when the key changed while the read was on its
 * way. Two connections carry the news: a read's reply comes on the command connection,
 * another process's invalidation on the subscriber connection, in either order. Without
 * the fence, a reply that arrived after the invalidation of its key would put the old
 * value into L1, to be served until the key's next write or until CACHE_L1_TIMEOUT.
 *
 * Each read (and each own write, which fills L1 with what it wrote) takes a ticket before
 * it is sent; it may fill L1 only if no invalidation of its key, and no wipe, came after.
 * Invalidations are remembered only while tickets are open, and only as far back as the
 * oldest one, so memory follows the reads in flight.
 */
export class FillFence {
  private seq = 0;
  private nextTicket = 0;
  /** Open tickets, oldest first (a Map keeps insertion order): ticket id -> seq when taken. */
  private readonly open = new Map<number, number>();
  /** Key -> seq of its last invalidation, oldest first; nothing older than the oldest open ticket. */
  private readonly touched = new Map<string, number>();
  private wipedAt = 0;

  /** Taken before the command is sent. */
  take(): number {
    const id = this.nextTicket++;
    this.open.set(id, this.seq);
    return id;
  }

  /** Gives the ticket back; true if `key` may be filled with what its command answered. */
  redeem(ticket: number, key: string): boolean {
    const takenAt = this.open.get(ticket);
    // Read before the release: releasing the last ticket forgets every invalidation.
    const changedAt = this.touched.get(key);
    this.release(ticket);
    if (takenAt === undefined || this.wipedAt > takenAt) return false;
    return changedAt === undefined || changedAt <= takenAt;
  }

  /** The same for several keys of one command: the keys that may be filled. */
  redeemMany(ticket: number, keys: readonly string[]): (key: string) => boolean {
    const takenAt = this.open.get(ticket);
    const wiped = takenAt === undefined || this.wipedAt > takenAt;
    const changes = wiped ? undefined : keys.map((key) => this.touched.get(key));
    this.release(ticket);
    if (wiped) return () => false;
    const allowed = new Set(keys.filter((_, i) => changes![i] === undefined || changes![i] <= takenAt));
    return (key) => allowed.has(key);
  }

  /** Gives the ticket back without filling (the command failed). */
  release(ticket: number): void {
    if (!this.open.delete(ticket)) return;
    this.prune();
  }

  /** The key changed: no read in flight may fill it. */
  invalidated(key: string): void {
    if (this.open.size === 0) return;
    this.seq++;
    // Delete first, so the Map stays ordered by seq and prune() can stop at the first young entry.
    this.touched.delete(key);
    this.touched.set(key, this.seq);
  }

  /** Every key changed (a clear, a lost bus): no read in flight may fill anything. */
  wiped(): void {
    this.seq++;
    this.wipedAt = this.seq;
  }

  /** For tests and stats: invalidations remembered. */
  get remembered(): number {
    return this.touched.size;
  }

  private prune(): void {
    if (this.open.size === 0) {
      this.touched.clear();
      return;
    }
    const oldest = this.open.values().next().value as number;
    for (const [key, changedAt] of this.touched) {
      if (changedAt > oldest) break;
      this.touched.delete(key);
    }
  }
}
