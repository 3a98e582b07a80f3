import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import request from 'supertest';
import { CacheManagerService } from '../../src/index';
import { RedisTestServer } from '../helpers/redis-server';
import { L1_INVALIDATION_UNDER_TEST, L1_MODE_UNDER_TEST } from '../helpers/l1-invalidation';
import { createCacheApp } from '../helpers/test-app';
import { until } from '../helpers/until';

describe('GET /health/cache on the hybrid backend', () => {
  let server: RedisTestServer;
  let raw: Redis;
  let app: INestApplication;

  beforeAll(async () => {
    server = await RedisTestServer.start();
    raw = new Redis(server.port, '127.0.0.1');
    app = await createCacheApp({
      ...server.env(),
      CACHE_BACKEND: 'hybrid',
      CACHE_HEALTH_CACHE_MS: '0',
      CACHE_L1_INVALIDATION: L1_INVALIDATION_UNDER_TEST,
    });
    const cache = app.get(CacheManagerService);
    await until(() => cache.getStats().tiers!.bus.live, 'the bus to be live');
  });
  afterAll(async () => {
    await app.close();
    raw.disconnect();
    await server.stop();
  });

  it('answers 200 "up" with the L1 size, the bus state and the invalidation mode in force', async () => {
    const cache = app.get(CacheManagerService);
    await cache.set('k', 1);
    // With tracking, Redis reports this process's own write back to it, which drops the key; a read then fills it again.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await cache.get('k');
    const response = await request(app.getHttpServer()).get('/health/cache').expect(200);
    expect(response.body).toStrictEqual({
      status: 'up',
      backend: 'hybrid',
      l1Entries: 1,
      bus: {
        live: true,
        lastMessageAgeMs: expect.any(Number),
        mode: L1_MODE_UNDER_TEST,
        modeReason: expect.stringContaining(`CACHE_L1_INVALIDATION=${L1_INVALIDATION_UNDER_TEST}`),
      },
      latencyMs: expect.any(Number),
    });
  });

  it('answers 200 "degraded" while the bus is lost and Redis answers: reads are correct, only slower', async () => {
    let degraded: request.Response | undefined;
    // The subscriber reconnects within about 50 ms of a kill: kill until a request lands in that gap.
    for (let attempt = 0; attempt < 50 && !degraded; attempt++) {
      await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub');
      const response = await request(app.getHttpServer()).get('/health/cache');
      if (response.body.status === 'degraded') degraded = response;
    }
    expect(degraded?.status).toBe(200);
    expect(degraded?.body).toMatchObject({ status: 'degraded', backend: 'hybrid', bus: { live: false } });
  });

  it('getBackendInfo shows the tier layout, the L1 size and the bus state', () => {
    expect(app.get(CacheManagerService).getBackendInfo()).toMatchObject({
      backend: 'hybrid',
      backendClass: 'TieredStore',
      tiers: ['l1: LocmemStore (this process)', 'l2: RedisStore (shared)'],
      l1MaxEntries: 10_000,
      l1TimeoutSeconds: 60,
      busChannel: 'ideagraph-cache:bus:v1::1',
      busLive: expect.any(Boolean),
      l1Invalidation: L1_MODE_UNDER_TEST,
      l1InvalidationReason: expect.stringContaining(`CACHE_L1_INVALIDATION=${L1_INVALIDATION_UNDER_TEST}`),
    });
  });
});
