import type { CacheBackendName } from '../config/cache-options';

/** What getBackendInfo and /health/cache report. Never contains a password. */
export interface CacheBackendInfo {
  backend: CacheBackendName;
  backendClass: string;
  /** The Redis server; with Sentinel or Cluster, the first configured node (redisNodes lists them all). */
  redisHost?: string;
  redisPort?: number;
  redisDb?: number;
  /** How Redis is reached. */
  redisMode?: 'standalone' | 'sentinel' | 'cluster';
  /** host:port of the server, the Sentinels or the cluster seed nodes. */
  redisNodes?: string[];
  redisSentinelMaster?: string;
  redisTls?: boolean;
  keyPrefix: string;
  version: number;
  defaultTimeout: number;
  [detail: string]: unknown;
}
