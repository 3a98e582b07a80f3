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
  /** Hybrid: the tier layout, L1 first. */
  tiers?: string[];
  /** Hybrid: entries and accounted bytes in this process's L1, with their bounds. */
  l1Entries?: number;
  l1MaxEntries?: number;
  l1Bytes?: number;
  l1MaxBytes?: number;
  l1TimeoutSeconds?: number;
  /** Hybrid: whether this process hears the invalidation bus (L1 is served only then). */
  busLive?: boolean;
  busChannel?: string;
  /** Milliseconds since anything arrived on the bus (heartbeats included); null if nothing has yet. */
  busLastMessageAgeMs?: number | null;
  /** Hybrid: the path that keeps L1 coherent (CACHE_L1_INVALIDATION): `tracking`, `bus`, or `deciding` until Redis answered; and why. */
  l1Invalidation?: 'tracking' | 'bus' | 'deciding';
  l1InvalidationReason?: string;
  /** Hybrid with tracking: whether its path is proven live now, and the age of its last report. */
  busTrackingLive?: boolean;
  busTrackingLastReportAgeMs?: number | null;
  keyPrefix: string;
  version: number;
  defaultTimeout: number;
  [detail: string]: unknown;
}
