import { Inject, Injectable } from '@nestjs/common';
import type { CacheBackendName, IdeaGraphCacheOptions } from '../config/cache-options';
import { CACHE_NAME, CACHE_OPTIONS, CACHE_SERVICE } from '../common/cache.tokens';
import { GuardedStore } from '../resilience/guarded-store';
import type { CacheBackendInfo } from '../service/cache-backend-info';
import type { CacheManagerService } from '../service/cache-manager.service';

/** Bound for one health probe: long enough for a slow but working Redis, short enough for a load balancer. */
export const HEALTH_PROBE_TIMEOUT_MS = 1000;

/**
 * By default only status, backend, latency or fault kind, and on a cluster the node
 * counts; `health.details` adds the rest of CacheBackendInfo (host, port, nodes, TLS).
 */
export type CacheHealthReport =
  | ({ status: 'up' | 'degraded'; backend: CacheBackendName; latencyMs: number } & Partial<CacheBackendInfo> &
      Partial<NodeCounts> &
      Partial<TierHealth>)
  | ({ status: 'down'; backend: CacheBackendName; error: string } & Partial<NodeCounts> & Partial<TierHealth>);

/**
 * Hybrid: the L1 size and whether this process hears the bus. A lost bus is "degraded",
 * still 200: every read then goes to Redis and stays correct, only slower, so a load
 * balancer must not take the process out for it.
 */
export interface TierHealth {
  l1Entries: number;
  /** `live`: L1 may be served; `mode`: the path that keeps it coherent (tracking or bus), and why. */
  bus: { live: boolean; lastMessageAgeMs: number | null; mode: string; modeReason: string };
}

/** On a Redis Cluster: how many nodes, and how many masters, answered the last ping. */
export interface NodeCounts {
  nodes: { up: number; total: number };
  masters: { up: number; total: number };
}

/**
 * Answers "is the cache backend reachable right now" with a live round trip. A success
 * may be reused for `healthCacheMs`, but only while no call has failed since: a fault
 * is reported at once.
 */
@Injectable()
export class CacheHealthService {
  private lastSuccess: { at: number; latencyMs: number; errors: number } | undefined;
  private running: Promise<CacheHealthReport> | undefined;

  /** @internal */
  constructor(
    @Inject(CACHE_OPTIONS) private readonly options: IdeaGraphCacheOptions,
    private readonly guard: GuardedStore,
    @Inject(CACHE_SERVICE) private readonly cache: CacheManagerService,
    @Inject(CACHE_NAME) readonly cacheName: string,
  ) {}

  check(): Promise<CacheHealthReport> {
    const reused = this.reusable();
    if (reused) return Promise.resolve(reused);
    // Concurrent health requests share one probe.
    this.running ??= this.probe().finally(() => (this.running = undefined));
    return this.running;
  }

  private reusable(): CacheHealthReport | undefined {
    const last = this.lastSuccess;
    if (!last || this.options.healthCacheMs === 0) return undefined;
    if (Date.now() - last.at > this.options.healthCacheMs) return undefined;
    if (this.guard.counters.errors !== last.errors || this.guard.breakerState !== 'closed') return undefined;
    return this.up(last.latencyMs);
  }

  private async probe(): Promise<CacheHealthReport> {
    const result = await this.guard.probe(HEALTH_PROBE_TIMEOUT_MS);
    if (!result.ok) {
      this.lastSuccess = undefined;
      return {
        status: 'down',
        backend: this.options.backend,
        error: result.error,
        ...this.nodeCounts(),
        ...this.tierHealth(),
      };
    }
    this.lastSuccess = { at: Date.now(), latencyMs: result.latencyMs, errors: this.guard.counters.errors };
    return this.up(result.latencyMs);
  }

  private up(latencyMs: number): CacheHealthReport {
    const info = this.options.health.details
      ? withoutBusFields(this.cache.getBackendInfo())
      : { backend: this.options.backend };
    const tiers = this.tierHealth();
    const status = tiers.bus && !tiers.bus.live ? 'degraded' : 'up';
    return { status, ...info, ...this.nodeCounts(), ...tiers, latencyMs };
  }

  private tierHealth(): TierHealth | Record<string, never> {
    const stats = this.guard.store.tierStats?.();
    return stats
      ? {
          l1Entries: stats.l1Entries,
          bus: {
            live: stats.bus.live,
            lastMessageAgeMs: stats.bus.lastMessageAgeMs,
            mode: stats.bus.mode,
            modeReason: stats.bus.modeReason,
          },
        }
      : {};
  }

  private nodeCounts(): NodeCounts | Record<string, never> {
    const census = this.guard.store.nodeCensus?.();
    return census ? { nodes: { up: census.up, total: census.total }, masters: census.masters } : {};
  }
}

/** getBackendInfo's flat bus fields (busLive, busChannel ...): the report's `bus` object already says them. */
function withoutBusFields(info: CacheBackendInfo): CacheBackendInfo {
  return Object.fromEntries(
    Object.entries(info).filter(([name]) => !/^bus[A-Z]/.test(name)),
  ) as unknown as CacheBackendInfo;
}
