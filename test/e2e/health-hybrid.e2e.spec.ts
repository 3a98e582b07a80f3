import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import request from 'supertest';
import { CacheManagerService } from '../../src';
import { RedisTestServer } from '../helpers/redis-server';
import { createCacheApp } from '../helpers/test-app';
import { until } from '../helpers/until';

describe('GET /health/cache on the hybrid backend', () => {
  let server: RedisTestServer;
  let raw: Redis;
  let app: INestApplication;

  beforeAll(async () => {
    server = await RedisTestServer.start();
    raw = new Redis(server.port, '127.0.0.1');
    app = await createCacheApp({ ...server.env(), CACHE_BACKEND: 'hybrid', CACHE_HEALTH_CACHE_MS: '0' });
    const cache = app.get(CacheManagerService);
    await until(() => cache.getStats().tiers!.bus.live, 'the bus to be live');
  });
  afterAll(async () => {
    await app.close();
    raw.disconnect();
    await server.stop();
  });

  it('answers 200 "up" with the L1 size and the bus state', async () => {
    await app.get(CacheManagerService).set('k', 1);
    const response = await request(app.getHttpServer()).get('/health/cache').expect(200);
    expect(response.body).toStrictEqual({
      status: 'up',
      backend: 'hybrid',
      l1Entries: 1,
      bus: { live: true, lastMessageAgeMs: expect.any(Number) },
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
    });
  });
});
