/** The public API of ideagraph-cache. Everything not exported here is internal. */
export { IdeaGraphCacheModule } from './module/ideagraph-cache.module';
export type { IdeaGraphCacheModuleExtras } from './module/cache.module-definition';
export { CACHE_MANAGER } from './common/cache.tokens';
export {
  CacheManagerService,
  type CachedResult,
  type CacheTimeout,
  type WriteOptions,
} from './service/cache-manager.service';
export { Cacheable, type CacheableOptions } from './decorators/cacheable.decorator';
export { CacheEvict, type CacheEvictOptions } from './decorators/cache-evict.decorator';
export type { KeySource, KeysSource } from './decorators/method-cache-key';
export type { AsyncMethod, UndefinedResultRefused } from './decorators/async-method';
export { cacheToken, DEFAULT_CACHE_NAME, InjectCache } from './common/cache-name';
export { CacheFactoryError, CacheFactoryTimeoutError } from './get-or-set/get-or-set.errors';
export type { Factory, FactoryContext, GetOrSetCounters } from './get-or-set/get-or-set-flow';
export type { ManyFactory, ManyFactoryContext, ManyResult } from './get-or-set/get-or-set-many';
export type { GetOrSetOptions } from './get-or-set/get-or-set-options';
export type { CacheBackendInfo } from './service/cache-backend-info';
export {
  CacheKeyError,
  CacheValueError,
  type CacheKeyErrorCode,
  type CacheValueErrorCode,
} from './errors/cache.errors';
export { MAX_KEY_LENGTH } from './keys/cache-key';
export { cacheOptionsFromConfig } from './startup/cache-options-from-config';
export { parseCacheEnv, resolveCacheOptions, validateCacheEnv, type EnvSource } from './startup/cache-options';
export { CacheConfigError } from './config/cache-config.error';
export { CacheRedisUnavailableError } from './module/cache-connection.lifecycle';
export type { DeepReadonly } from './codec/frozen-values';
export type {
  CacheBackendName,
  CacheValueFormat,
  CacheHealthOptions,
  CacheMetricsOptions,
  CacheOtelOptions,
  GraphTokenOptions,
  IdeaGraphCacheModuleOptions,
  IdeaGraphCacheOptions,
  GetOrSetDefaults,
  L1Options,
  L1InvalidationSetting,
  L1ValueMode,
  RedisConnectionOptions,
  RedisNodeAddress,
} from './config/cache-options';
export {
  CacheHealthService,
  type CacheHealthReport,
  type NodeCounts,
  type TierHealth,
} from './health/cache-health.service';
export { CacheHealthIndicator, type CacheHealthIndicatorResult } from './terminus/cache-health.indicator';
export type { BreakerState, CacheStats, LatencySummary, RecoveryStats, TierStats } from './service/cache-stats';
export type { BusCounters, BusState } from './bus/invalidation-bus';
export type { L1CoherenceState, L1InvalidationMode } from './bus/tracking/l1-coherence';
export type { TrackingCounters } from './bus/tracking/tracking-path';
export { BUS_FORMAT_VERSION } from './bus/bus-channels';
export { BUS_HEARTBEAT_INTERVAL_MS, BUS_SILENCE_LIMIT_MS, BUS_STALENESS_BOUND_MS } from './bus/bus-timing';
export { GraphTokenService } from './graph/graph-token.service';
export { GraphTokenError, type GraphTokenErrorCode, type GraphTokenErrorDetails } from './graph/graph-token.error';
export type { GetAccessTokenOptions, GraphTokenSource, GraphTokenStatus } from './graph/graph-token.types';
