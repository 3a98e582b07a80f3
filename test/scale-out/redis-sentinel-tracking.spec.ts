import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import { BUS_STALENESS_BOUND_MS } from '../../src/bus/bus-timing';
import { CacheManagerService } from '../../src/service/cache-manager.service';
import { RedisSentinelTest } from '../helpers/redis-sentinel';
import { createCacheApp } from '../helpers/test-app';
import { until } from '../helpers/until';

/**
 * Tracking on Sentinel: set up on the master the Sentinels name, and after a failover on
 * the new one. A write made on the new master by a client that does not use this module
 * must reach L1 within the bound.
 */
let group: RedisSentinelTest;
let app: INestApplication;
let cache: CacheManagerService;
const servers = new Map<number, Redis>();
const BOUND_MS = BUS_STALENESS_BOUND_MS + 1000;

beforeAll(async () => {
  group = await RedisSentinelTest.start({ sentinels: 3 });
  app = await createCacheApp({
    ...group.env(),
    CACHE_BACKEND: 'hybrid',
    CACHE_L1_INVALIDATION: 'tracking',
    CACHE_KEY_PREFIX: 'st',
    REDIS_COMMAND_TIMEOUT_MS: '500',
  });
  cache = app.get(CacheManagerService);
  for (const server of group.servers) servers.set(server.port, new Redis({ host: server.host, port: server.port }));
}, 60_000);
afterAll(async () => {
  await app?.close();
  for (const client of servers.values()) client.disconnect();
  await group?.stop();
});

function master(): Redis {
  return servers.get(group.masterServer().port)!;
}

async function holding(key: string, value: unknown): Promise<void> {
  await master().set(`st:1:${key}`, JSON.stringify(value), 'EX', 300);
  // The write's own report may land after a first read filled L1 and drop it again: read until it is an L1 hit.
  await until(
    async () => {
      const hits = cache.getStats().tiers!.l1Hits;
      return (await cache.get(key)) === value && cache.getStats().tiers!.l1Hits === hits + 1;
    },
    `${key} to be held in L1`,
    10_000,
  );
}

it('tracks on the master: a foreign write there reaches L1 within the bound', async () => {
  await until(() => cache.getStats().tiers!.bus.live, 'the path to be live', 10_000);
  expect(cache.getStats().tiers!.bus.mode).toBe('tracking');
  await holding('k', 'old');
  await master().set('st:1:k', JSON.stringify('new'), 'KEEPTTL');
  await until(async () => (await cache.get('k')) === 'new', 'the foreign write to be seen', BOUND_MS);
});

it('after SENTINEL FAILOVER, tracking is set up on the new master and proven, and a foreign write there is seen within the bound', async () => {
  await holding('f', 'before');
  const oldMaster = group.masterServer().port;
  const outages = cache.getStats().tiers!.bus.tracking!.outages;
  group.sentinelCli('SENTINEL', 'FAILOVER', group.masterName);
  await until(() => group.masterServer().port !== oldMaster, 'the Sentinels to name a new master', 30_000);
  // The old master's clients are killed by the Sentinels: the path is lost, then proven on the new master.
  await until(
    () => cache.getStats().tiers!.bus.tracking!.outages > outages && cache.getStats().tiers!.bus.live,
    'the path to be proven again',
    30_000,
  );
  const newMaster = group.masterServer().port;
  await until(
    async () => ((await servers.get(newMaster)!.call('ROLE')) as unknown[])[0] === 'master',
    'the new master to take writes',
    30_000,
  );
  await holding('g', 'old');
  await servers.get(newMaster)!.set('st:1:g', JSON.stringify('new on the new master'), 'KEEPTTL');
  await until(async () => (await cache.get('g')) === 'new on the new master', 'the foreign write to be seen', BOUND_MS);
  expect(cache.getStats().tiers!.bus.mode).toBe('tracking');
}, 90_000);
