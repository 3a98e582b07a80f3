import { accessSync, constants, readFileSync } from 'node:fs';
import { usesRedis } from './backend-kinds';
import type { IdeaGraphCacheOptions, RedisNodeAddress } from './cache-options';

/**
 * Checks that need several settings at once, run after each setting was checked on its
 * own. Each problem names the variables involved, so one startup error says what to fix.
 */
export function redisTopologyProblems(options: IdeaGraphCacheOptions): string[] {
  const redis = options.redis;
  const problems: string[] = [];
  const hasSentinels = (redis.sentinels?.length ?? 0) > 0;
  const hasCluster = (redis.clusterNodes?.length ?? 0) > 0;
  if (hasSentinels && !redis.sentinelMaster) {
    problems.push(
      'REDIS_SENTINELS (redis.sentinels) is set but REDIS_SENTINEL_MASTER (redis.sentinelMaster) is not: Sentinel mode needs the master name',
    );
  }
  if (redis.sentinelMaster && !hasSentinels) {
    problems.push(
      'REDIS_SENTINEL_MASTER (redis.sentinelMaster) is set but REDIS_SENTINELS (redis.sentinels) is not: Sentinel mode needs the Sentinel addresses',
    );
  }
  if (hasCluster && (hasSentinels || redis.sentinelMaster)) {
    problems.push(
      'REDIS_CLUSTER_NODES (redis.clusterNodes) and REDIS_SENTINELS / REDIS_SENTINEL_MASTER are both set: choose Cluster or Sentinel',
    );
  }
  if (redis.clusterNatMap && !hasCluster) {
    problems.push(
      'REDIS_CLUSTER_NAT_MAP (redis.clusterNatMap) is set but REDIS_CLUSTER_NODES (redis.clusterNodes) is not: a NAT map applies to a cluster only',
    );
  }
  if (hasCluster && (redis.db !== 0 || urlDb(redis.url) > 0)) {
    problems.push(
      'REDIS_CLUSTER_NODES (redis.clusterNodes) is set with a database other than 0 (REDIS_DB or the REDIS_URL path): Redis Cluster has database 0 only',
    );
  }
  const tlsOn = redis.tls || redis.url?.trim().toLowerCase().startsWith('rediss:') === true;
  if (redis.tlsCaFile && !tlsOn) {
    problems.push(
      'REDIS_TLS_CA_FILE (redis.tlsCaFile) is set but TLS is off: set REDIS_TLS=true or use a rediss:// REDIS_URL',
    );
  }
  // The file is only read when a Redis-backed backend connects; a locmem app need not have it.
  if (redis.tlsCaFile && usesRedis(options.backend)) {
    const problem = caFileProblem(redis.tlsCaFile);
    if (problem) problems.push(`REDIS_TLS_CA_FILE (redis.tlsCaFile)=${JSON.stringify(redis.tlsCaFile)} ${problem}`);
  }
  return problems;
}

/** Not in the settings table: no setting kind there describes a map. */
export const CLUSTER_NAT_MAP_ENV = 'REDIS_CLUSTER_NAT_MAP';

/**
 * Reads the cluster NAT map into `options`: REDIS_CLUSTER_NAT_MAP text
 * (`announced=reachable,...`, each side `host:port`, IPv6 in brackets) or a forRoot map
 * (`{ 'host:port': { host, port } }`). Keys are stored as ioredis looks them up, so
 * `[::1]:7000` and `::1:7000` name the same node. Returns what is wrong, if anything.
 */
export function applyClusterNatMap(options: IdeaGraphCacheOptions, raw: unknown, source: 'env' | 'option'): string[] {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return [];
  const map = typeof raw === 'string' ? parseNatMapText(raw) : checkNatMapObject(raw);
  if (map) {
    if (Object.keys(map).length > 0) options.redis.clusterNatMap = map;
    return [];
  }
  if (source === 'env') {
    const text = String(raw);
    return [
      `${CLUSTER_NAT_MAP_ENV}=${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text)} is invalid: expected announced=reachable pairs of host:port, comma-separated`,
    ];
  }
  return [
    `redis.clusterNatMap (${CLUSTER_NAT_MAP_ENV}) is invalid: expected { "host:port": { host: string, port: 1 to 65535 } }`,
  ];
}

function parseNatMapText(text: string): Record<string, RedisNodeAddress> | undefined {
  const map: Record<string, RedisNodeAddress> = {};
  for (const entry of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const sides = entry.split('=');
    const from = sides.length === 2 ? parseAddress(sides[0].trim()) : undefined;
    const to = sides.length === 2 ? parseAddress(sides[1].trim()) : undefined;
    if (!from || !to) return undefined;
    map[`${from.host}:${from.port}`] = to;
  }
  return map;
}

function checkNatMapObject(value: unknown): Record<string, RedisNodeAddress> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const map: Record<string, RedisNodeAddress> = {};
  for (const [key, target] of Object.entries(value)) {
    const from = parseAddress(key);
    const { host, port } = (target ?? {}) as Partial<RedisNodeAddress>;
    if (!from || typeof host !== 'string' || host.trim() === '' || !isPort(port)) return undefined;
    map[`${from.host}:${from.port}`] = { host, port };
  }
  return map;
}

/** `host:port`, `[v6]:port` or `v6:port` (the last colon separates the port, as in ioredis's keys). */
function parseAddress(text: string): RedisNodeAddress | undefined {
  const match = /^(?:\[([^\]]+)\]|(.+)):(\d+)$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  return host && host.trim() !== '' && isPort(port) ? { host, port } : undefined;
}

function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

function caFileProblem(path: string): string | undefined {
  try {
    accessSync(path, constants.R_OK);
    // Node accepts PEM only; a DER file or a key would fail later at the first handshake.
    if (!readFileSync(path, 'utf8').includes('-----BEGIN CERTIFICATE-----')) return 'holds no PEM certificate';
    return undefined;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return `cannot be read${typeof code === 'string' ? ` (${code})` : ''}`;
  }
}

/** The database number in a REDIS_URL path, 0 when there is none (the URL rule has checked the path). */
function urlDb(url: string | undefined): number {
  return url ? Number(new URL(url).pathname.slice(1)) : 0;
}
