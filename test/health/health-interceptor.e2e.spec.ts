import { CacheInterceptor } from '@nestjs/cache-manager';
import { Controller, Get, type INestApplication, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { IdeaGraphCacheModule } from '../../src';
import { RedisTestServer } from '../helpers/redis-server';
import { envOnlyConfig } from '../helpers/test-app';
import { until } from '../helpers/until';

/** A route of the app's own, so the test can see that the interceptor does cache. */
@Controller('items')
class ItemsController {
  handled = 0;

  @Get()
  list(): { handled: number } {
    return { handled: ++this.handled };
  }
}

/** The standard global setup of the Nest docs: every GET answered through the cache. */
@Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: CacheInterceptor }] })
class GlobalCacheInterceptorModule {}

describe.each([
  ['registered first', 'first'],
  ['registered last', 'last'],
] as const)("a global CacheInterceptor %s never caches the module's own routes", (_label, order) => {
  let redis: RedisTestServer;
  let app: INestApplication;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    const cache = [
      envOnlyConfig({
        ...redis.env(),
        CACHE_BACKEND: 'hybrid',
        CACHE_METRICS_ENABLED: 'true',
        CACHE_HEALTH_CACHE_MS: '0',
      }),
      IdeaGraphCacheModule.forRootAsync({ isGlobal: true }),
    ];
    const imports =
      order === 'first' ? [GlobalCacheInterceptorModule, ...cache] : [...cache, GlobalCacheInterceptorModule];
    const moduleRef = await Test.createTestingModule({ imports, controllers: [ItemsController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it("the app's own GET is cached (the interceptor is active), /health/cache and /metrics are not", async () => {
    await request(app.getHttpServer()).get('/items').expect(200, { handled: 1 });
    const again = await request(app.getHttpServer()).get('/items').expect(200, { handled: 1 });
    expect(again.headers['x-cache']).toBe('HIT');

    for (const path of ['/health/cache', '/metrics']) {
      for (let i = 0; i < 2; i++) {
        const response = await request(app.getHttpServer()).get(path).expect(200);
        expect(response.headers['x-cache']).toBeUndefined();
        expect(response.headers['cache-control']).toBe('no-store');
      }
    }
    // Nothing of the module's routes was written into the cache the interceptor uses.
    const keys = redis.cli('--scan', '--pattern', '*').split('\n').filter(Boolean);
    expect(keys.filter((key) => key.includes('health') || key.includes('metrics'))).toEqual([]);
  });

  it('answers 503 once Redis is killed, and 200 again once it is back', async () => {
    await request(app.getHttpServer()).get('/health/cache').expect(200);
    await redis.kill();
    try {
      // A cached answer would stay 200 for the L1 lifetime (60 s) or CACHE_DEFAULT_TIMEOUT (300 s).
      let last: request.Response | undefined;
      await until(
        async () => (last = await request(app.getHttpServer()).get('/health/cache')).status === 503,
        'a 503 from /health/cache',
        15_000,
      );
      expect(last!.body).toMatchObject({ status: 'down', backend: 'hybrid' });
      expect(last!.headers['x-cache']).toBeUndefined();
    } finally {
      await redis.restart();
    }
    await until(
      async () => (await request(app.getHttpServer()).get('/health/cache')).status === 200,
      'a 200 from /health/cache',
      20_000,
    );
  });
});
