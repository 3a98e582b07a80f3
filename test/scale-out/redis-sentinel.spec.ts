import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import request from 'supertest';
import { CacheManagerService } from '../../src/service/cache-manager.service';
import { RedisSentinelTest } from '../helpers/redis-sentinel';
import { createCacheApp } from '../helpers/test-app';
import { describeCacheConformance } from '../service/cache-conformance';
import { runLoad, summarize } from './load';
import { clientTarget } from '../service/cache-targets';

// One master, one replica and three Sentinels for this file. The failover test runs last.
let group: RedisSentinelTest;
beforeAll(async () => {
  group = await RedisSentinelTest.start({ sentinels: 3 });
}, 60_000);
afterAll(async () => {
  await group?.stop();
});

function rawSentinelClient(): Redis {
  const sentinels = group.addresses
    .split(',')
    .map((address) => ({ host: '127.0.0.1', port: Number(address.split(':')[1]) }));
  return new Redis({ sentinels, name: group.masterName, maxRetriesPerRequest: 1 });
}

describeCacheConformance('redis sentinel', () => clientTarget(group.env(), rawSentinelClient()));
describeCacheConformance('hybrid on redis sentinel', () =>
  clientTarget({ ...group.env(), CACHE_BACKEND: 'hybrid' }, rawSentinelClient()),
);

describe('ideagraph-cache with Redis Sentinel', () => {
  let app: INestApplication;
  let cache: CacheManagerService;

  beforeAll(async () => {
    app = await createCacheApp({
      ...group.env(),
      CACHE_KEY_PREFIX: 'sentinel',
      REDIS_COMMAND_TIMEOUT_MS: '200',
      CACHE_HEALTH_DETAILS: 'true',
    });
    cache = app.get(CacheManagerService);
  });
  afterAll(async () => {
    await app?.close();
  });

  it('writes go to the master the Sentinels name', async () => {
    expect(await cache.set('where', 'master')).toBe(true);
    expect(group.masterServer().cli('GET', 'sentinel:1:where')).toBe('"master"');
  });

  it('getBackendInfo and /health/cache report the sentinel mode, never a password', async () => {
    const info = cache.getBackendInfo();
    expect(info).toMatchObject({
      redisMode: 'sentinel',
      redisSentinelMaster: group.masterName,
      redisNodes: group.addresses.split(','),
    });
    const response = await request(app.getHttpServer()).get('/health/cache').expect(200);
    expect(response.body).toMatchObject({ status: 'up', redisMode: 'sentinel' });
  });

  it('SENTINEL FAILOVER under load: no exception reaches the caller and writes resume on the new master', async () => {
    // Checks during the load go through async clients: a redis-cli child process would
    // block this event loop and show up as latency of the calls being measured.
    const sentinel = new Redis({ host: '127.0.0.1', port: group.sentinels[0].port, lazyConnect: true });
    const servers = new Map(
      group.servers.map((server) => [
        server.port,
        new Redis({ host: server.host, port: server.port, lazyConnect: true }),
      ]),
    );
    const masterPort = async () =>
      Number(((await sentinel.call('SENTINEL', 'get-master-addr-by-name', group.masterName)) as string[])[1]);
    try {
      const oldMasterPort = await masterPort();
      const load = runLoad(cache, { workers: 16, keys: 500 });
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const startedAt = performance.now();
      expect(await sentinel.call('SENTINEL', 'FAILOVER', group.masterName)).toBe('OK');

      // Resumed = a write through the module lands on the server the Sentinels now call master.
      let resumedAfterMs = Number.NaN;
      let newMasterPort = oldMasterPort;
      const deadline = startedAt + 30_000;
      for (let n = 0; performance.now() < deadline; n++) {
        const value = `after-${n}`;
        if (await cache.set('failover-probe', value)) {
          const port = await masterPort();
          if (
            port !== oldMasterPort &&
            (await servers.get(port)?.get('sentinel:1:failover-probe')) === JSON.stringify(value)
          ) {
            resumedAfterMs = performance.now() - startedAt;
            newMasterPort = port;
            break;
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const result = await load.stop();
      const figures = summarize(result);
      console.log(
        `SENTINEL FAILOVER under load: ${figures.calls} calls, ${figures.fallbacks} fallbacks, ` +
          `latency p50 ${figures.p50} ms, p99 ${figures.p99} ms, max ${figures.max} ms; ` +
          `writes resumed on the new master ${Math.round(resumedAfterMs)} ms after the command`,
      );
      expect(result.exceptions).toEqual([]);
      expect(newMasterPort).not.toBe(oldMasterPort);
      expect(resumedAfterMs).toBeLessThan(30_000);
      // 200 ms bound plus slack for timers and the shared machine.
      expect(figures.max).toBeLessThan(1200);
      // And the module keeps writing there, with no restart.
      expect(await cache.set('after-failover', 1)).toBe(true);
      expect(await servers.get(newMasterPort)!.get('sentinel:1:after-failover')).toBe('1');
    } finally {
      sentinel.disconnect();
      for (const client of servers.values()) client.disconnect();
    }
  }, 60_000);
});
