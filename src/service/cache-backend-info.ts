import type { CacheBackendName } from '../config/cache-options';

/** What getBackendInfo and /health/cache report. Never contains a password. */
export interface CacheBackendInfo {
  backend: CacheBackendName;
  backendClass: string;
  redisHost?: string;
  redisPort?: number;
  redisDb?: number;
  keyPrefix: string;
  version: number;
  defaultTimeout: number;
  [detail: string]: unknown;
}
