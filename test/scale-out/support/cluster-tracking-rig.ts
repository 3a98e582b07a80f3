import type { INestApplication } from '@nestjs/common';
import type { Cluster } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import { BUS_STALENESS_BOUND_MS } from '../../../src/bus/bus-timing';
import { CacheManagerService } from '../../../src/service/cache-manager.service';
import { rawClusterClient, type RedisClusterTest } from '../../helpers/redis-cluster';
import type { RedisTestServer } from '../../helpers/redis-server';
import { createCacheApp } from '../../helpers/test-app';
import { until } from '../../helpers/until';

/** The documented worst case, and a second of slack for a loaded machine's timers. */
export const BOUND_MS = BUS_STALENESS_BOUND_MS + 1000;
export const json = (value: unknown): string => JSON.stringify(value);

/** A hybrid app on a Cluster, and a plain client that writes beside it (a program that does not use the module). */
export class ClusterTrackingRig {
  private constructor(
    readonly app: INestApplication,
    readonly cache: CacheManagerService,
    readonly foreign: Cluster,
  ) {}

  static async start(cluster: RedisClusterTest, env: Record<string, string> = {}): Promise<ClusterTrackingRig> {
    const app = await createCacheApp({
      ...cluster.env(),
      CACHE_BACKEND: 'hybrid',
      CACHE_L1_INVALIDATION: 'tracking',
      REDIS_COMMAND_TIMEOUT_MS: '300',
      ...env,
    });
    const rig = new ClusterTrackingRig(app, app.get(CacheManagerService), await rawClusterClient(cluster.seeds));
    await until(() => rig.cache.getStats().tiers!.bus.live, 'tracking to be proven on every master', 15_000);
    return rig;
  }

  async close(): Promise<void> {
    this.foreign.disconnect();
    await this.app.close();
  }

  /** Writes each key from outside, then reads it until it is an L1 hit here. */
  async hold(keys: readonly string[], value: (key: string) => unknown): Promise<void> {
    for (const key of keys) {
      await this.foreign.set(`:1:${key}`, json(value(key)), 'EX', 300);
      // The write's own report may land after a first read filled L1 and drop it again.
      await until(
        async () => {
          const hits = this.cache.getStats().tiers!.l1Hits;
          return (await this.cache.get(key)) === value(key) && this.cache.getStats().tiers!.l1Hits === hits + 1;
        },
        `${key} to be held in L1`,
        10_000,
      );
    }
  }

  /** Milliseconds from each foreign write's acknowledgement until a read here returned its value. */
  async foreignWriteDelays(keys: readonly string[], value: (key: string) => unknown): Promise<number[]> {
    return Promise.all(
      keys.map(async (key) => {
        await this.foreign.set(`:1:${key}`, json(value(key)), 'KEEPTTL');
        const acknowledged = performance.now();
        await until(async () => (await this.cache.get(key)) === value(key), `${key} to be seen`, 15_000);
        return performance.now() - acknowledged;
      }),
    );
  }

  /**
   * Reads `keys` round-robin until the bound has passed since `changedAt()` and the path is
   * live again after at least one outage; returns, per key, the values read once the bound had
   * passed since the key's foreign write.
   */
  async readsPastTheBound(keys: readonly string[], changedAt: (key: string) => number | undefined) {
    const late: { key: string; value: unknown }[] = [];
    const deadline = Date.now() + 30_000;
    let liveAgain = false;
    for (let i = 0; ; i++) {
      const key = keys[i % keys.length];
      const issuedAt = Date.now();
      const value = await this.cache.get(key).catch(() => 'error');
      const at = changedAt(key);
      if (at !== undefined && issuedAt > at + BOUND_MS) late.push({ key, value });
      const bus = this.cache.getStats().tiers!.bus;
      liveAgain ||= bus.tracking!.outages > 0 && bus.live;
      if ((liveAgain && late.length >= 100 * keys.length) || Date.now() > deadline) break;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return { late, liveAgain };
  }
}

/** Connections of `server` with tracking on (flag `t`). */
export function trackingConnectionsOn(server: RedisTestServer): string[] {
  return server
    .cli('CLIENT', 'LIST')
    .split('\n')
    .filter((line) => / flags=\S*t/.test(line));
}

/**
 * After a master changed: no read past the bound was older than the last write, the path
 * was lost and proven again, and `newMaster` is tracked (one tracking connection there),
 * so its next change of every key is reported within the bound.
 */
export async function expectRecoveredOnto(
  rig: ClusterTrackingRig,
  keys: readonly string[],
  reads: ReturnType<ClusterTrackingRig['readsPastTheBound']>,
  newMaster: RedisTestServer,
): Promise<void> {
  const { late, liveAgain } = await reads;
  expect(liveAgain).toBe(true);
  expect(late.length).toBeGreaterThan(0);
  expect(late.filter(({ key, value }) => value !== `${key} new`)).toEqual([]);
  const delays = await rig.foreignWriteDelays(keys, (key) => `${key} newer`);
  expect(Math.max(...delays)).toBeLessThan(BOUND_MS);
  expect(trackingConnectionsOn(newMaster)).toHaveLength(1);
}

/** One key per master of the cluster (by the slot map of `client`), named `<stem><n>`. */
export function keysOnEveryMaster(client: Cluster, stem: string, perMaster = 1): string[] {
  const masters = new Set(client.slots.map((owners) => owners?.[0]).filter(Boolean));
  if (masters.size === 0) throw new Error('the client has no slot map');
  const byOwner = new Map<string, string[]>();
  const full = () => byOwner.size === masters.size && [...byOwner.values()].every((keys) => keys.length === perMaster);
  for (let n = 0; !full() && n < 100_000; n++) {
    const key = `${stem}${n}`;
    const owner = client.slots[calculateSlot(`:1:${key}`)][0];
    const keys = byOwner.get(owner) ?? [];
    if (keys.length < perMaster) keys.push(key);
    byOwner.set(owner, keys);
  }
  return [...byOwner.values()].flat();
}
