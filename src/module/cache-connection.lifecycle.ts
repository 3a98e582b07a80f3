import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { classifyFault } from '../resilience/fault-classifier';
import { GuardedStore } from '../resilience/guarded-store';
import { describeTarget, resolveRedisTopology } from '../stores/redis-topology';
import type { CacheStore } from '../stores/cache-store';
import { cacheLogContext } from '../common/cache-name';
import { CACHE_NAME, CACHE_OPTIONS } from '../common/cache.tokens';

/** Time CACHE_REDIS_REQUIRED=true gives Redis to answer at startup. */
export const REQUIRED_REDIS_WAIT_MS = 10_000;

/** Startup stopped because CACHE_REDIS_REQUIRED=true and Redis did not answer in time. */
export class CacheRedisUnavailableError extends Error {
  override readonly name = 'CacheRedisUnavailableError';
}

/**
 * CACHE_REDIS_REQUIRED=true: waits for Redis while the app's providers are created, so a
 * failure stops startup the way a bad setting does, through Nest's own exception handler
 * and logger (a lifecycle hook's error would escape as a raw uncaught error instead).
 * Provided, never injected: Nest creates every provider of a module.
 */
export async function requiredRedisReady(options: IdeaGraphCacheOptions, guard: GuardedStore): Promise<true> {
  const store = guard.store;
  if (!options.redis.required || !store.connect) return true;
  const deadline = Date.now() + REQUIRED_REDIS_WAIT_MS;
  let lastError: unknown;
  store.connect().catch((error: unknown) => (lastError = error));
  while (Date.now() < deadline) {
    if (store.isReady) return true;
    await sleep(100);
  }
  await guard.close();
  const target = describeTarget(resolveRedisTopology(options.redis));
  // Through the fault log's redaction: the target and the fault can carry a URL's password.
  throw new CacheRedisUnavailableError(
    guard.faultLog.redact(
      `CACHE_REDIS_REQUIRED=true but Redis at ${target} did not answer within ${REQUIRED_REDIS_WAIT_MS / 1000} s (${guard.lastFault ?? classifyFault(lastError)})`,
    ),
  );
}

/** Opens the backend connection at startup and closes it at application shutdown. */
@Injectable()
export class CacheConnectionLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger: Logger;

  constructor(
    @Inject(CACHE_OPTIONS) private readonly options: IdeaGraphCacheOptions,
    private readonly guard: GuardedStore,
    @Inject(CACHE_NAME) name: string,
  ) {
    this.logger = new Logger(cacheLogContext(name));
  }

  async onModuleInit(): Promise<void> {
    const store = this.guard.store;
    if (!store.connect) return;
    if (this.options.redis.required) {
      // requiredRedisReady has waited for Redis already.
      await this.verify(store);
      return;
    }
    // Not required: wait one connect attempt so the first requests find Redis ready, then
    // start without it if it is not there. The breaker and the reconnect loop take over.
    try {
      await withinMs(store.connect(), this.options.redis.connectTimeoutMs);
    } catch (error) {
      const target = describeTarget(resolveRedisTopology(this.options.redis));
      // Through the fault log's redaction: the target and the fault can carry a URL's password.
      this.logger.warn(
        this.guard.faultLog.redact(
          `Redis at ${target} is not reachable (${this.guard.lastFault ?? classifyFault(error)}); the app runs on, every cache call gets its fallback and /health/cache answers 503 until Redis answers`,
        ),
      );
      return;
    }
    await this.verify(store);
  }

  /** A store that cannot run as configured (CACHE_L1_INVALIDATION=tracking without tracking) fails startup. */
  private async verify(store: CacheStore): Promise<void> {
    try {
      await store.verifyStartup?.();
    } catch (error) {
      await this.guard.close();
      throw error;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.guard.close();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects after `ms` unless `work` settles first; the timer is cleared either way, so it never holds the process. */
function withinMs<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
