import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import { CacheManagerService } from '../../src/index';
import { AppModule } from '../../src/demo/app.module';
import { RedisTestServer } from '../helpers/redis-server';
import { createCacheApp } from '../helpers/test-app';

const PASSWORD = 'health-e2e-hunter2-password';

/** Polls GET /health/cache until it answers `status`; Redis's death is noticed asynchronously. */
async function healthUntil(app: INestApplication, status: number, limitMs = 10_000): Promise<request.Response> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const response = await request(app.getHttpServer()).get('/health/cache');
    if (response.status === status || Date.now() > deadline) return response;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('GET /health/cache', () => {
  describe('locmem', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createCacheApp({ CACHE_BACKEND: 'locmem' });
    });
    afterAll(async () => {
      await app.close();
    });

    it('answers 200 with status, backend and latency only', async () => {
      const response = await request(app.getHttpServer()).get('/health/cache').expect(200);
      expect(response.headers['content-type']).toMatch(/application\/json/);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toStrictEqual({ status: 'up', backend: 'locmem', latencyMs: expect.any(Number) });
      expect(response.body.latencyMs).toBeGreaterThanOrEqual(0);
    });
  });

  describe('redis with a password, then killed', () => {
    let server: RedisTestServer;
    let app: INestApplication;
    let detailed: INestApplication;

    beforeAll(async () => {
      server = await RedisTestServer.start({ password: PASSWORD });
      app = await createCacheApp(server.env());
      detailed = await createCacheApp({ ...server.env(), CACHE_HEALTH_DETAILS: 'true' });
    });
    afterAll(async () => {
      await detailed?.close();
      await app?.close();
      await server?.stop();
    });

    it('by default answers 200 without the host, port, db, nodes or TLS of Redis', async () => {
      const response = await request(app.getHttpServer()).get('/health/cache').expect(200);
      expect(response.body).toStrictEqual({ status: 'up', backend: 'redis', latencyMs: expect.any(Number) });
      expect(response.text).not.toContain('127.0.0.1');
      expect(response.text).not.toContain(PASSWORD);
    });

    it('CACHE_HEALTH_DETAILS=true adds the host, port, db and TLS flag, and never the password; they are opt-in', async () => {
      const plain = await request(app.getHttpServer()).get('/health/cache').expect(200);
      for (const detail of ['backendClass', 'redisHost', 'redisPort', 'redisDb', 'redisNodes', 'redisTls'])
        expect(plain.body).not.toHaveProperty(detail);
      const response = await request(detailed.getHttpServer()).get('/health/cache').expect(200);
      expect(response.body).toMatchObject({
        status: 'up',
        backend: 'redis',
        backendClass: 'RedisStore',
        redisHost: '127.0.0.1',
        redisPort: server.port,
        redisDb: 0,
        redisMode: 'standalone',
        redisNodes: [`127.0.0.1:${server.port}`],
        redisTls: false,
        keyPrefix: '',
        version: 1,
        defaultTimeout: 300,
      });
      expect(typeof response.body.latencyMs).toBe('number');
      expect(response.text).not.toContain(PASSWORD);
      expect(response.text.toLowerCase()).not.toContain('password');
      expect(JSON.stringify(detailed.get(CacheManagerService).getBackendInfo())).not.toContain(PASSWORD);
    });

    it('really reaches Redis: a value set through the service is visible to redis-cli', async () => {
      await app.get(CacheManagerService).set('health-e2e', { ok: true });
      expect(server.cli('GET', ':1:health-e2e')).toBe('{"ok":true}');
      expect(Number(server.cli('TTL', ':1:health-e2e'))).toBeGreaterThan(290);
    });

    it("answers 503 { status: 'down', backend: 'redis', error } once redis-server is killed", async () => {
      await server.kill();
      const response = await healthUntil(app, 503);
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ status: 'down', backend: 'redis', error: expect.any(String) });
      expect(response.body.error.length).toBeGreaterThan(0);
      expect(response.text).not.toContain(PASSWORD);
      // The service keeps answering with its fallbacks meanwhile.
      const cache = app.get(CacheManagerService);
      expect(await cache.get('health-e2e', 'fallback')).toBe('fallback');
      expect(await cache.set('health-e2e', 1)).toBe(false);
    });

    it('answers 200 again once redis-server is back on the same port', async () => {
      await server.restart();
      const response = await healthUntil(app, 200);
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ status: 'up', backend: 'redis' });
    });
  });

  describe('the demo app (src/demo/app.module.ts)', () => {
    let app: INestApplication;
    const saved = process.env.CACHE_BACKEND;

    beforeAll(async () => {
      // The demo reads process.env (and .env); pin the backend so a developer's shell cannot point it at their Redis.
      process.env.CACHE_BACKEND = 'locmem';
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
      app = moduleRef.createNestApplication({ logger: false });
      await app.init();
    });
    afterAll(async () => {
      await app?.close();
      if (saved === undefined) delete process.env.CACHE_BACKEND;
      else process.env.CACHE_BACKEND = saved;
    });

    it('boots and serves /health/cache on locmem', async () => {
      const response = await request(app.getHttpServer()).get('/health/cache').expect(200);
      expect(response.body).toMatchObject({ status: 'up', backend: 'locmem' });
    });

    it('serves its demo routes through the cache', async () => {
      const first = await request(app.getHttpServer()).get('/demo/visits/ada').expect(200);
      const second = await request(app.getHttpServer()).get('/demo/visits/ada').expect(200);
      expect(first.body).toEqual({ name: 'ada', visits: 1 });
      expect(second.body).toEqual({ name: 'ada', visits: 2 });
      const clock = await request(app.getHttpServer()).get('/demo/slow-clock').expect(200);
      const again = await request(app.getHttpServer()).get('/demo/slow-clock').expect(200);
      expect(again.body).toEqual(clock.body);
    });
  });
});
