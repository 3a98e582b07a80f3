import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import { chunked } from './redis-batch-limits';

/**
 * Multi-key operations on a Redis Cluster. Redis refuses a multi-key command whose keys
 * hash to different slots (CROSSSLOT), and ioredis refuses a pipeline whose commands go
 * to different nodes. So keys are grouped by slot (one MGET/MSET/DEL per slot) and slots
 * by the node that serves them (one pipeline per node, all nodes in parallel): a batch
 * costs one round trip per node it touches, the fewest the slots allow.
 */

type Pipeline = ReturnType<Cluster['pipeline']>;

/** Values in the order of `keys`; undefined for a miss. `latin1`: read as bytes, one character per byte (RedisStoreSettings.binaryValues). */
export async function clusterGetMany(cluster: Cluster, keys: string[], latin1 = false): Promise<(string | undefined)[]> {
  const values: (string | undefined)[] = new Array(keys.length);
  await runPerNode(
    cluster,
    keys,
    (pipeline, slotIndexes) => {
      const piece = slotIndexes.map((i) => keys[i]);
      if (latin1) pipeline.mgetBuffer(piece);
      else pipeline.mget(piece);
    },
    (reply, slotIndexes) => {
      const found = reply as (string | Buffer | null)[];
      slotIndexes.forEach((keyIndex, position) => {
        const value = found[position];
        values[keyIndex] = value === null || value === undefined ? undefined : typeof value === 'string' ? value : value.toString('latin1');
      });
    },
  );
  return values;
}

/** `withExpiry` queues one command that stores a slot's entries with `ttlMs` (MSET takes no expiry). */
export async function clusterSetMany(
  cluster: Cluster,
  entries: [string, string | Buffer][],
  ttlMs: number | null,
  withExpiry: (pipeline: Pipeline, piece: [string, string | Buffer][]) => void,
): Promise<void> {
  const keys = entries.map(([key]) => key);
  await runPerNode(
    cluster,
    keys,
    (pipeline, slotIndexes) => {
      if (ttlMs === null) pipeline.mset(slotIndexes.flatMap((i) => entries[i]));
      else withExpiry(pipeline, slotIndexes.map((i) => entries[i]));
    },
    () => undefined,
  );
}

/** How many of `keys` existed. */
export async function clusterDeleteMany(cluster: Cluster, keys: string[]): Promise<number> {
  let deleted = 0;
  await runPerNode(cluster, keys, (pipeline, slotIndexes) => pipeline.del(slotIndexes.map((i) => keys[i])), (reply) => {
    deleted += Number(reply);
  });
  return deleted;
}

/**
 * Fills one pipeline per node: `queue` adds the commands for one slot's keys, `collect`
 * reads each reply of that slot (one per queued command, in order).
 */
async function runPerNode(
  cluster: Cluster,
  keys: string[],
  queue: (pipeline: Pipeline, slotIndexes: number[]) => void,
  collect: (reply: unknown, slotIndexes: number[]) => void,
): Promise<void> {
  const bySlot = new Map<number, number[]>();
  keys.forEach((key, index) => {
    const slot = calculateSlot(key);
    const indexes = bySlot.get(slot);
    if (indexes) indexes.push(index);
    else bySlot.set(slot, [index]);
  });
  const byNode = new Map<string, number[][]>();
  for (const [slot, indexes] of bySlot) {
    // ioredis accepts a pipeline only if every slot in it has the same node list; group exactly that way.
    const owner = cluster.slots[slot]?.join(';') || `unmapped slot ${slot}`;
    // Keys sharing a hash tag can fill one slot: at most MAX_KEYS_PER_COMMAND per command (redis-batch-limits.ts).
    const pieces = chunked(indexes);
    const groups = byNode.get(owner);
    if (groups) groups.push(...pieces);
    else byNode.set(owner, pieces);
  }
  await Promise.all(
    [...byNode.values()].map(async (slotGroups) => {
      const pipeline = cluster.pipeline();
      const counts = slotGroups.map((indexes) => {
        const before = pipeline.length;
        queue(pipeline, indexes);
        return pipeline.length - before;
      });
      const results = (await pipeline.exec()) ?? [];
      let position = 0;
      slotGroups.forEach((indexes, group) => {
        for (let n = 0; n < counts[group]; n++) {
          const [error, reply] = results[position++] ?? [new Error('pipeline returned fewer replies than commands')];
          if (error) throw error;
          collect(reply, indexes);
        }
      });
    }),
  );
}
