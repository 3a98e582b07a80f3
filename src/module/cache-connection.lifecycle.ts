import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { classifyFault } from '../resilience/fault-classifier';
import { GuardedStore } from '../resilience/guarded-store';
import type { CacheStore } from '../stores/cache-store';
import { describeTarget, resolveRedisTopology } from '../stores/redis-topology';
import { CACHE_OPTIONS } from './cache.tokens';

/** Time CACHE_REDIS_REQUIRED=true gives Redis to answer at startup. */
export const REQUIRED_REDIS_WAIT_MS = 10_000;

/** Opens the backend connection at startup and closes it at application shutdown. */
@Injectable()
export class CacheConnectionLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('IdeaGraphCache');

  constructor(
    @Inject(CACHE_OPTIONS) private readonly options: IdeaGraphCacheOptions,
    private readonly guard: GuardedStore,
  ) {}

  async onModuleInit(): Promise<void> {
    const store = this.guard.store;
    if (!store.connect) return;
    const target = describeTarget(resolveRedisTopology(this.options.redis));
    if (this.options.redis.required) {
      await this.waitForRedis(store, target);
      await this.verify(store);
      return;
    }
    // Not required: wait one connect attempt so the first requests find Redis ready, then
    // start without it if it is not there. The breaker and the reconnect loop take over.
    try {
      await withinMs(store.connect(), this.options.redis.connectTimeoutMs);
    } catch (error) {
      this.logger.warn(
        `Redis at ${target} is not reachable (${this.guard.lastFault ?? classifyFault(error)}); the app runs on, every cache call gets its fallback and /health/cache answers 503 until Redis answers`,
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

  private async waitForRedis(store: CacheStore, target: string): Promise<void> {
    const deadline = Date.now() + REQUIRED_REDIS_WAIT_MS;
    let lastError: unknown;
    store.connect!().catch((error: unknown) => (lastError = error));
    while (Date.now() < deadline) {
      if (store.isReady) return;
      await sleep(100);
    }
    await this.guard.close();
    throw new Error(
      `CACHE_REDIS_REQUIRED=true but Redis at ${target} did not answer within ${REQUIRED_REDIS_WAIT_MS / 1000} s (${this.guard.lastFault ?? classifyFault(lastError)})`,
    );
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
