import calculateSlot from 'cluster-key-slot';
import type Redis from 'ioredis';
import { chunked } from './redis-batch-limits';

// MSET takes no expiry. One script per piece sets every key of it with the expiry: one
// command where a SET PX per key was 1000 (500 SET PX in one pipeline measured 3.3-3.8 ms
// of client CPU, one such script 0.4-0.7 ms; docs/benchmarks.md).
const SET_EACH_PX = `local ttl = ARGV[1]
for i, key in ipairs(KEYS) do redis.call('SET', key, ARGV[i + 1], 'PX', ttl) end
return #KEYS`;

type StoredValue = string | Buffer;

/**
 * Multi-key calls on Redis: `getMany`, `setMany` and `deleteMany` as commands of at most
 * MAX_KEYS_PER_COMMAND keys, each of one hash slot on a Cluster (Redis refuses CROSSSLOT).
 *
 * Every piece goes through the client's own command path, the one single-key calls take
 * (its auto-pipeline when that is on), never through a pipeline of its own. A pipeline is
 * written to the socket at once while auto-pipelined calls leave on the next setImmediate,
 * so `set(k, 'first')` then `setMany({ k: 'second' })` reached Redis in the opposite order
 * and left 'first'. Through one path, commands reach Redis in the order they were called.
 *
 * Writes queue every piece at once, before anything is awaited: a write called after them
 * reaches Redis after all of them, and so does the hybrid bus's PUBLISH queued right behind
 * them (sent after the first piece only, it let other processes refill the keys of the
 * later pieces with their old values). Reads on one connection go one piece at a time, so
 * other callers' commands are answered between the pieces of a huge read; a read may see a
 * write called after it started, which is a read that overlapped that write.
 */
export class RedisBatches {
  constructor(
    private readonly client: Redis,
    private readonly cluster: boolean,
  ) {}

  /** Values in the order of `keys`; undefined for a miss. `latin1`: read as bytes, one character per byte. */
  async getMany(keys: string[], latin1: boolean): Promise<(string | undefined)[]> {
    const values = new Array<string | undefined>(keys.length);
    const read = async (piece: number[]) => {
      const names = piece.map((i) => keys[i]);
      const found: (string | Buffer | null)[] = latin1
        ? await this.client.mgetBuffer(names)
        : await this.client.mget(names);
      piece.forEach((keyIndex, position) => {
        const value = found[position];
        values[keyIndex] =
          value === null || value === undefined
            ? undefined
            : typeof value === 'string'
              ? value
              : value.toString('latin1');
      });
    };
    const pieces = this.pieces(keys);
    // A Cluster's pieces are per slot, mostly one key each: one at a time would be a round trip per slot.
    if (this.cluster) await Promise.all(pieces.map(read));
    else for (const piece of pieces) await read(piece);
    return values;
  }

  /** Not async: every piece must be queued before the caller's next call. */
  setMany(entries: [string, StoredValue][], ttlMs: number | null): Promise<void> {
    const pieces = this.pieces(entries.map(([key]) => key)).map((piece) => piece.map((i) => entries[i]));
    return Promise.all(pieces.map((piece) => this.setPiece(piece, ttlMs))).then(() => undefined);
  }

  /** How many of `keys` existed. Not async, as setMany. */
  deleteMany(keys: string[]): Promise<number> {
    const counts = this.pieces(keys).map((piece) => this.client.del(piece.map((i) => keys[i])));
    return Promise.all(counts).then((deleted) => deleted.reduce((sum, count) => sum + Number(count), 0));
  }

  private setPiece(piece: [string, StoredValue][], ttlMs: number | null): Promise<unknown> {
    if (ttlMs === null) return this.client.mset(piece.flat());
    if (piece.length === 1) return this.client.set(piece[0][0], piece[0][1], 'PX', ttlMs);
    // EVAL, not a defined command: ioredis routes EVAL by its first declared key (a Cluster
    // and the auto-pipeline need the slot), and Redis caches the compiled script.
    return this.client.eval(
      SET_EACH_PX,
      piece.length,
      ...piece.map(([key]) => key),
      ttlMs,
      ...piece.map(([, value]) => value),
    );
  }

  /** Indexes of the keys, grouped into the pieces that each make one command. */
  private pieces(keys: readonly string[]): number[][] {
    const indexes = keys.map((_, i) => i);
    if (!this.cluster) return chunked(indexes);
    const bySlot = new Map<number, number[]>();
    indexes.forEach((index) => {
      const slot = calculateSlot(keys[index]);
      const group = bySlot.get(slot);
      if (group) group.push(index);
      else bySlot.set(slot, [index]);
    });
    // Keys sharing a hash tag can fill one slot: still at most MAX_KEYS_PER_COMMAND per command.
    return [...bySlot.values()].flatMap((group) => chunked(group));
  }
}
