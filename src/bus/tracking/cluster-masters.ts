import type { Cluster } from 'ioredis';

/** A master of the cluster as CLUSTER NODES lists it, addressed as the cluster client addresses it (NAT map applied). */
export interface ClusterMaster {
  /** `host:port`, as in the client's slot map. */
  address: string;
  host: string;
  port: number;
  /** False for a master that serves no slot (yet): a new node, or one resharded empty. */
  servesSlots: boolean;
}

/**
 * Every master in `CLUSTER NODES` output, those without slots included: a node that is
 * importing its first slot holds keys (reached by ASK) before the slot map shows it. Failed
 * masters and nodes without an address or still in handshake are left out.
 */
export function parseClusterMasters(nodes: string, cluster: Cluster): ClusterMaster[] {
  const masters: ClusterMaster[] = [];
  for (const line of nodes.split('\n')) {
    const fields = line.trim().split(' ');
    if (fields.length < 8) continue;
    const flags = fields[2].split(',');
    if (!flags.includes('master') || flags.some((flag) => ['fail', 'noaddr', 'handshake'].includes(flag))) continue;
    const announced = fields[1].split('@')[0];
    const colon = announced.lastIndexOf(':');
    if (colon <= 0) continue;
    const { host, port } = natMapped(cluster, announced.slice(0, colon), Number(announced.slice(colon + 1)));
    // Fields 8 on are slots and ranges; `[slot->-id]` / `[slot-<-id]` mark migrations, not ownership.
    const servesSlots = fields.slice(8).some((field) => field !== '' && !field.startsWith('['));
    masters.push({ address: `${host}:${port}`, host, port, servesSlots });
  }
  return masters;
}

/** The address the client uses for a node the cluster announces at `host:port` (REDIS_CLUSTER_NAT_MAP). */
function natMapped(cluster: Cluster, host: string, port: number): { host: string; port: number } {
  const map = cluster.options.natMap as
    | Record<string, { host: string; port: number }>
    | ((key: string) => { host: string; port: number } | null | undefined)
    | undefined;
  const key = `${host}:${port}`;
  const mapped = typeof map === 'function' ? map(key) : map?.[key];
  return mapped ?? { host, port };
}
