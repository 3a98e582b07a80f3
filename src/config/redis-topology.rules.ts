import { accessSync, constants, readFileSync } from 'node:fs';
import type { IdeaGraphCacheOptions } from './cache-options';

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
    problems.push('REDIS_SENTINELS (redis.sentinels) is set but REDIS_SENTINEL_MASTER (redis.sentinelMaster) is not: Sentinel mode needs the master name');
  }
  if (redis.sentinelMaster && !hasSentinels) {
    problems.push('REDIS_SENTINEL_MASTER (redis.sentinelMaster) is set but REDIS_SENTINELS (redis.sentinels) is not: Sentinel mode needs the Sentinel addresses');
  }
  if (hasCluster && (hasSentinels || redis.sentinelMaster)) {
    problems.push('REDIS_CLUSTER_NODES (redis.clusterNodes) and REDIS_SENTINELS / REDIS_SENTINEL_MASTER are both set: choose Cluster or Sentinel');
  }
  if (hasCluster && (redis.db !== 0 || urlDb(redis.url) > 0)) {
    problems.push('REDIS_CLUSTER_NODES (redis.clusterNodes) is set with a database other than 0 (REDIS_DB or the REDIS_URL path): Redis Cluster has database 0 only');
  }
  const tlsOn = redis.tls || redis.url?.trim().toLowerCase().startsWith('rediss:') === true;
  if (redis.tlsCaFile && !tlsOn) {
    problems.push('REDIS_TLS_CA_FILE (redis.tlsCaFile) is set but TLS is off: set REDIS_TLS=true or use a rediss:// REDIS_URL');
  }
  // The file is only read when the Redis backend connects; a locmem app need not have it.
  if (redis.tlsCaFile && options.backend === 'redis') {
    const problem = caFileProblem(redis.tlsCaFile);
    if (problem) problems.push(`REDIS_TLS_CA_FILE (redis.tlsCaFile)=${JSON.stringify(redis.tlsCaFile)} ${problem}`);
  }
  return problems;
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
