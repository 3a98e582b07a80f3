import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { CacheHealthIndicator, CacheManagerService } from '../../src';
import { RedisTestServer } from '../helpers/redis-server';
import { createCacheApp } from '../helpers/test-app';
import { until } from '../helpers/until';

describe('health details on the hybrid backend', () => {
  let server: RedisTestServer;
  let app: INestApplication;

  beforeAll(async () => {
    server = await RedisTestServer.start();
    app = await createCacheApp({
      ...server.env(),
      CACHE_BACKEND: 'hybrid',
      CACHE_HEALTH_DETAILS: 'true',
      CACHE_HEALTH_CACHE_MS: '0',
    });
    const cache = app.get(CacheManagerService);
    // Live, and a message heard: with tracking in force the bus may be live before its first heartbeat is back.
    await until(() => {
      const bus = cache.getStats().tiers!.bus;
      return bus.live && bus.lastMessageAgeMs !== null;
    }, 'the bus to be live and heard');
  });
  afterAll(async () => {
    await app?.close();
    await server?.stop();
  });

  it('report the bus once, in the bus object, not again as busLive, busChannel and busLastMessageAgeMs', async () => {
    const response = await request(app.getHttpServer()).get('/health/cache').expect(200);
    expect(response.body).toMatchObject({
      status: 'up',
      backend: 'hybrid',
      redisPort: server.port,
      bus: { live: true, lastMessageAgeMs: expect.any(Number) },
    });
    expect(Object.keys(response.body).filter((name) => name.startsWith('bus'))).toEqual(['bus']);
    // getBackendInfo keeps its flat fields; only the health answer drops the repeat.
    expect(app.get(CacheManagerService).getBackendInfo()).toHaveProperty('busLive', true);
    const indicator = await app.get(CacheHealthIndicator).isHealthy('cache');
    expect(Object.keys(indicator.cache).filter((name) => name.startsWith('bus'))).toEqual(['bus']);
  });
});
