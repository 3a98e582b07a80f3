import type { RedisConnectionOptions, RedisNodeAddress } from '../config/cache-options';

/** How the module reaches Redis: one server, a master found through Sentinel, or a sharded Cluster. */
export type RedisMode = 'standalone' | 'sentinel' | 'cluster';

/**
 * Where and how to connect, with REDIS_URL already merged in. Holds the password, so it
 * stays inside the stores folder; `describeTopology` is the safe view.
 */
export interface RedisTopology {
  mode: RedisMode;
  /** standalone: the server; sentinel: the Sentinels; cluster: the seed nodes. */
  nodes: RedisNodeAddress[];
  sentinelMaster?: string;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  tlsCaFile?: string;
  tlsRejectUnauthorized: boolean;
  /** Cluster only: where to reach the nodes CLUSTER SLOTS announces (ioredis natMap). */
  natMap?: Record<string, RedisNodeAddress>;
}

const DEFAULT_PORT = 6379;

/**
 * Merges the connection settings into one topology. REDIS_URL wins over
 * REDIS_HOST/PORT/DB/PASSWORD, and its user name over REDIS_USERNAME; `rediss://` turns
 * TLS on. Cluster seed nodes win over Sentinels (startup validation forbids both).
 */
export function resolveRedisTopology(options: RedisConnectionOptions): RedisTopology {
  const url = options.url ? parseRedisUrl(options.url) : undefined;
  const server = url?.server ?? { host: options.host, port: options.port };
  const shared = {
    db: url?.db ?? options.db,
    username: url?.username ?? options.username,
    password: url?.password ?? options.password,
    tls: url?.tls === true || options.tls,
    tlsCaFile: options.tlsCaFile,
    tlsRejectUnauthorized: options.tlsRejectUnauthorized,
  };
  if (options.clusterNodes?.length) {
    return {
      mode: 'cluster',
      nodes: options.clusterNodes,
      ...shared,
      ...(options.clusterNatMap ? { natMap: options.clusterNatMap } : {}),
    };
  }
  if (options.sentinels?.length && options.sentinelMaster) {
    return { mode: 'sentinel', nodes: options.sentinels, sentinelMaster: options.sentinelMaster, ...shared };
  }
  return { mode: 'standalone', nodes: [server], ...shared };
}

/** What getBackendInfo may show: the mode and the addresses, never a credential. */
export function describeTopology(topology: RedisTopology): Record<string, unknown> {
  return {
    redisMode: topology.mode,
    redisNodes: topology.nodes.map(formatAddress),
    ...(topology.sentinelMaster ? { redisSentinelMaster: topology.sentinelMaster } : {}),
    redisTls: topology.tls,
  };
}

/** Where the client connects, for log lines: "127.0.0.1:6379", or the mode and its nodes. */
export function describeTarget(topology: RedisTopology): string {
  const nodes = topology.nodes.map(formatAddress).join(',');
  if (topology.mode === 'cluster') return `cluster ${nodes}`;
  if (topology.mode === 'sentinel') return `master "${topology.sentinelMaster}" via Sentinels ${nodes}`;
  return nodes;
}

/** Every Redis credential the options hold, for log redaction: the password, and the URL with the one inside it. */
export function redisSecrets(options: RedisConnectionOptions): string[] {
  const secrets = [options.password, options.url, options.url ? parseRedisUrl(options.url).password : undefined];
  return secrets.filter((secret): secret is string => !!secret);
}

export function formatAddress(node: RedisNodeAddress): string {
  return node.host.includes(':') ? `[${node.host}]:${node.port}` : `${node.host}:${node.port}`;
}

interface ParsedRedisUrl {
  server: RedisNodeAddress;
  db?: number;
  username?: string;
  password?: string;
  tls: boolean;
}

/** Reads `redis[s]://[user[:password]@]host[:port][/db]`; startup has checked every part, so decoding cannot throw. */
export function parseRedisUrl(text: string): ParsedRedisUrl {
  const url = new URL(text);
  const dbText = url.pathname.replace(/^\//, '');
  return {
    // WHATWG URL keeps the brackets of an IPv6 literal in hostname; sockets want them off.
    server: { host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : DEFAULT_PORT },
    db: /^\d+$/.test(dbText) ? Number(dbText) : undefined,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    tls: url.protocol === 'rediss:',
  };
}
