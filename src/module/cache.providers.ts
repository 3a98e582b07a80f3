import { Logger, type Provider } from '@nestjs/common';
import type { IdeaGraphCacheModuleOptions, IdeaGraphCacheOptions } from '../config/cache-options';
import { type HealthMount, resolveMountedOptions } from '../health/health-mount';
import { GraphTokenService } from '../graph/graph-token.service';
import { CacheHealthService } from '../health/cache-health.service';
import { createCacheManager } from '../keyv/create-cache-manager';
import { cacheServiceForApp, CacheTelemetry } from '../otel/cache-telemetry';
import { FaultLog } from '../resilience/fault-log';
import { GuardedStore } from '../resilience/guarded-store';
import { makeKeyPrefix } from '../keys/cache-key';
import { CacheManagerService } from '../service/cache-manager.service';
import { createStore } from '../backends/create-store';
import { CacheHealthIndicator } from '../terminus/cache-health.indicator';
import { redisSecrets } from '../stores/redis-topology';
import { requiredRedisReady } from './cache-connection.lifecycle';
import { cacheLogContext } from '../common/cache-name';
import { CACHE_MODULE_OPTIONS } from './cache.module-definition';
import {
  CACHE_HEALTH,
  CACHE_HEALTH_INDICATOR,
  CACHE_HEALTH_MOUNT,
  CACHE_MANAGER_FACADE,
  CACHE_NAME,
  CACHE_OPTIONS,
  CACHE_SERVICE,
  GRAPH_TOKENS,
  UNTRACED_CACHE_SERVICE,
} from '../common/cache.tokens';

const REDIS_REQUIRED_CHECK = Symbol('ideagraph-cache:redis-required');

/** Failures in a row that open the breaker: enough to ignore a single blip. */
const BREAKER_FAILURE_THRESHOLD = 5;
/** How long the breaker stays open before it probes; short so recovery stays well under 2 s. */
const BREAKER_COOLDOWN_MS = 500;

export const cacheProviders: Provider[] = [
  {
    provide: CACHE_OPTIONS,
    inject: [CACHE_MODULE_OPTIONS, CACHE_HEALTH_MOUNT],
    useFactory: (options: IdeaGraphCacheModuleOptions, mount: HealthMount) => resolveMountedOptions(options, mount),
  },
  {
    provide: FaultLog,
    inject: [CACHE_OPTIONS, CACHE_NAME],
    useFactory: (options: IdeaGraphCacheOptions, name: string) =>
      new FaultLog(
        new Logger(cacheLogContext(name)),
        [...redisSecrets(options.redis), options.graph.clientSecret].filter((s): s is string => !!s),
      ),
  },
  {
    provide: GuardedStore,
    inject: [CACHE_OPTIONS, FaultLog, CACHE_NAME],
    useFactory: (options: IdeaGraphCacheOptions, faultLog: FaultLog, name: string) =>
      new GuardedStore(
        createStore(options, new Logger(cacheLogContext(name))),
        {
          backend: options.backend,
          commandTimeoutMs: options.redis.commandTimeoutMs,
          failureThreshold: BREAKER_FAILURE_THRESHOLD,
          cooldownMs: BREAKER_COOLDOWN_MS,
          recoveryMaxKeys: options.recoveryMaxKeys,
          scopePrefix: makeKeyPrefix(options.keyPrefix, options.version),
        },
        faultLog,
      ),
  },
  { provide: REDIS_REQUIRED_CHECK, inject: [CACHE_OPTIONS, GuardedStore], useFactory: requiredRedisReady },
  { provide: UNTRACED_CACHE_SERVICE, useClass: CacheManagerService },
  {
    provide: CACHE_SERVICE,
    inject: [UNTRACED_CACHE_SERVICE, CACHE_OPTIONS, CACHE_NAME],
    useFactory: cacheServiceForApp,
  },
  CacheTelemetry,
  { provide: CACHE_HEALTH, useClass: CacheHealthService },
  { provide: CACHE_HEALTH_INDICATOR, useClass: CacheHealthIndicator },
  { provide: GRAPH_TOKENS, useClass: GraphTokenService },
  {
    provide: CACHE_MANAGER_FACADE,
    inject: [CACHE_SERVICE],
    useFactory: createCacheManager,
  },
];
