import calculateSlot from 'cluster-key-slot';
import type { Cluster } from 'ioredis';
import type Redis from 'ioredis';

/**
 * Work that must reach every node of a Redis Cluster: a SCAN or PING sent through the
 * cluster client reaches one random node only, so these walk the nodes themselves.
 */

/** How many nodes answered a ping: all nodes that serve slots, and the masters among them. */
export interface NodeCensus {
  up: number;
  total: number;
  masters: { up: number; total: number };
}

/** A cluster master did not answer; the message names the nodes and the first reason. */
export class ClusterNodesDownError extends Error {
  override readonly name = 'ClusterNodesDownError';
}

/** Pings every node in the slot map, each within `boundMs`. */
export async function pingClusterNodes(
  cluster: Cluster,
  boundMs: number,
): Promise<{ census: NodeCensus; failure?: Error }> {
  const { masters, all } = slotOwners(cluster);
  if (all.length === 0) {
    // No slot map yet (never connected): the cluster client's own error says why.
    await cluster.ping();
    return { census: { up: 0, total: 0, masters: { up: 0, total: 0 } } };
  }
  const pool = poolByAddress(cluster);
  const answers = await Promise.all(
    all.map((address) =>
      withBound(pool.get(address)?.ping() ?? Promise.reject(new Error('no connection to this node')), boundMs).then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      ),
    ),
  );
  const down = new Map(all.map((address, i) => [address, answers[i]]));
  const mastersDown = masters.filter((address) => down.get(address) !== undefined);
  const census: NodeCensus = {
    up: answers.filter((answer) => answer === undefined).length,
    total: all.length,
    masters: { up: masters.length - mastersDown.length, total: masters.length },
  };
  if (mastersDown.length === 0) return { census };
  // A replica may already have taken the slots over; without a refresh, an open breaker
  // (which sends nothing but this ping) would wait for the next periodic one, up to 5 s.
  cluster.refreshSlotsCache();
  const reason = down.get(mastersDown[0])?.message ?? 'no answer';
  return {
    census,
    failure: new ClusterNodesDownError(`cluster master ${mastersDown.join(', ')} did not answer (${reason})`),
  };
}

/** Deletes the keys matching `match` on every master; rejects if any master could not be scanned, after the others are done. */
export async function clearClusterMasters(cluster: Cluster, match: string, batch: number): Promise<number> {
  const { masters } = slotOwners(cluster);
  if (masters.length === 0) await cluster.ping();
  const pool = poolByAddress(cluster);
  const outcomes = await Promise.allSettled(
    masters.map((address) => {
      const node = pool.get(address);
      return node
        ? clearNode(cluster, node, match, batch)
        : Promise.reject(new Error(`no connection to cluster master ${address}`));
    }),
  );
  const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return outcomes.reduce((sum, outcome) => sum + (outcome.status === 'fulfilled' ? outcome.value : 0), 0);
}

async function clearNode(cluster: Cluster, node: Redis, match: string, batch: number): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', batch);
    cursor = next;
    if (keys.length > 0) deleted += await unlinkOnNode(cluster, node, keys);
  } while (cursor !== '0');
  return deleted;
}

/** One UNLINK per slot (a multi-key command may not span slots), all in one pipeline to the node that holds them. */
async function unlinkOnNode(cluster: Cluster, node: Redis, keys: string[]): Promise<number> {
  const bySlot = new Map<number, string[]>();
  for (const key of keys) {
    const slot = calculateSlot(key);
    const group = bySlot.get(slot);
    if (group) group.push(key);
    else bySlot.set(slot, [key]);
  }
  const groups = [...bySlot.values()];
  const pipeline = node.pipeline();
  for (const group of groups) pipeline.unlink(...group);
  const results = (await pipeline.exec()) ?? [];
  let deleted = 0;
  for (let i = 0; i < groups.length; i++) {
    const [error, count] = results[i] ?? [new Error('pipeline returned fewer replies than commands')];
    if (!error) deleted += Number(count);
    // The slot moved to another node since the SCAN: the cluster client follows the redirect.
    else if (/^(MOVED|ASK) /.test(error.message)) deleted += await cluster.unlink(...groups[i]);
    else throw error;
  }
  return deleted;
}

/** Distinct node addresses from the slot map, masters first in each entry. */
function slotOwners(cluster: Cluster): { masters: string[]; all: string[] } {
  const masters = new Set<string>();
  const all = new Set<string>();
  for (const owners of cluster.slots) {
    if (!owners?.length) continue;
    masters.add(owners[0]);
    for (const address of owners) all.add(address);
  }
  return { masters: [...masters], all: [...all] };
}

function poolByAddress(cluster: Cluster): Map<string, Redis> {
  return new Map(cluster.nodes('all').map((node) => [`${node.options.host}:${node.options.port}`, node]));
}

function withBound<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}
