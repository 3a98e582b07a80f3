import { readFileSync } from 'node:fs';
import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { BUS_STALENESS_BOUND_MS } from '../../src/bus/bus-timing';
import request from 'supertest';
import { CacheManagerService } from '../../src/service/cache-manager.service';
import { startTlsRedis, type TlsRedisServer } from '../helpers/redis-tls-server';
import { createCacheApp } from '../helpers/test-app';
import { until as waitFor } from '../helpers/until';
import { generateTlsCerts, type TlsCerts } from '../helpers/tls-certs';
import { startGraphApp } from '../graph/graph-test-app';

const USER = { name: 'ideagraph-cache', password: 'tls-acl-S3cret!pw' };

// One TLS-only redis-server with one ACL user for this file.
let certs: TlsCerts;
let server: TlsRedisServer;
beforeAll(async () => {
  certs = generateTlsCerts();
  server = await startTlsRedis(certs, USER);
}, 30_000);
afterAll(async () => {
  await server?.stop();
  certs?.remove();
});

function url(password = USER.password): string {
  return `rediss://${encodeURIComponent(USER.name)}:${encodeURIComponent(password)}@127.0.0.1:${server.port}`;
}

/** Polls /health/cache until it answers `status`; returns the last body. */
async function healthUntil(
  app: INestApplication,
  status: number,
): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const response = await request(app.getHttpServer()).get('/health/cache');
    if (response.status === status || Date.now() > deadline)
      return { status: response.status, body: response.body, text: response.text };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('TLS and an ACL user', () => {
  it('connects with rediss://user:password@host:port and REDIS_TLS_CA_FILE', async () => {
    const app = await createCacheApp({
      CACHE_BACKEND: 'redis',
      REDIS_URL: url(),
      REDIS_TLS_CA_FILE: certs.caFile,
      CACHE_KEY_PREFIX: 'tls',
      CACHE_HEALTH_DETAILS: 'true',
    });
    try {
      const cache = app.get(CacheManagerService);
      expect(await cache.set('secured', { ok: true })).toBe(true);
      expect(await cache.get('secured')).toEqual({ ok: true });
      expect(await cache.incr('secured-counter')).toBeNull();
      expect(await cache.clear()).toBe(true);

      const health = await healthUntil(app, 200);
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({
        status: 'up',
        redisMode: 'standalone',
        redisTls: true,
        redisHost: '127.0.0.1',
        redisPort: server.port,
      });
      expect(JSON.stringify(cache.getBackendInfo())).not.toContain(USER.password);
      expect(health.text).not.toContain(USER.password);
    } finally {
      await app.close();
    }
  });

  it('hybrid: L2 and its bus both connect over TLS with the ACL user, and a write in one process reaches the other L1', async () => {
    const env = {
      CACHE_BACKEND: 'hybrid',
      REDIS_URL: url(),
      REDIS_TLS_CA_FILE: certs.caFile,
      CACHE_KEY_PREFIX: 'tls-hybrid',
    };
    const [a, b] = [await createCacheApp(env), await createCacheApp(env)];
    try {
      const [cacheA, cacheB] = [a.get(CacheManagerService), b.get(CacheManagerService)];
      const deadline = Date.now() + 10_000;
      const until = async (check: () => boolean | Promise<boolean>) => {
        while (!(await check()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      };
      await until(() => cacheA.getStats().tiers!.bus.live && cacheB.getStats().tiers!.bus.live);
      expect(cacheB.getStats().tiers!.bus.live).toBe(true);
      await cacheA.set('shared', 'old');
      await until(() => cacheB.getStats().tiers!.bus.received > 0);
      expect(await cacheB.get('shared')).toBe('old');
      await cacheA.set('shared', 'new');
      await until(async () => (await cacheB.get('shared')) === 'new');
      expect(await cacheB.get('shared')).toBe('new');
      expect(JSON.stringify(cacheB.getBackendInfo())).not.toContain(USER.password);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('hybrid on tracking over TLS with the ACL user: a write by another program is seen within the bound', async () => {
    const app = await createCacheApp({
      CACHE_BACKEND: 'hybrid',
      CACHE_L1_INVALIDATION: 'tracking',
      REDIS_URL: url(),
      REDIS_TLS_CA_FILE: certs.caFile,
      CACHE_KEY_PREFIX: 'tls-tracking',
    });
    const foreign = new Redis({
      host: '127.0.0.1',
      port: server.port,
      username: USER.name,
      password: USER.password,
      tls: { ca: [readFileSync(certs.caFile)] },
    });
    try {
      const cache = app.get(CacheManagerService);
      await waitFor(() => cache.getStats().tiers!.bus.live, 'tracking to be proven over TLS', 10_000);
      expect(cache.getStats().tiers!.bus.mode).toBe('tracking');
      await foreign.set('tls-tracking:1:k', JSON.stringify('old'));
      await waitFor(
        async () => {
          const hits = cache.getStats().tiers!.l1Hits;
          return (await cache.get('k')) === 'old' && cache.getStats().tiers!.l1Hits === hits + 1;
        },
        'k to be held in L1',
        10_000,
      );
      await foreign.set('tls-tracking:1:k', JSON.stringify('new'));
      const written = Date.now();
      await waitFor(async () => (await cache.get('k')) === 'new', 'the foreign write to be seen', 10_000);
      expect(Date.now() - written).toBeLessThan(BUS_STALENESS_BOUND_MS);
    } finally {
      foreign.disconnect();
      await app.close();
    }
  });

  it('connects with REDIS_TLS=true, REDIS_USERNAME and REDIS_PASSWORD instead of a URL', async () => {
    const app = await createCacheApp({
      CACHE_BACKEND: 'redis',
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(server.port),
      REDIS_USERNAME: USER.name,
      REDIS_PASSWORD: USER.password,
      REDIS_TLS: 'true',
      REDIS_TLS_CA_FILE: certs.caFile,
    });
    try {
      const cache = app.get(CacheManagerService);
      expect(await cache.set('by-fields', 1)).toBe(true);
      expect(await cache.get('by-fields')).toBe(1);
    } finally {
      await app.close();
    }
  });

  it('REDIS_URL wins over REDIS_HOST, REDIS_PORT and REDIS_PASSWORD', async () => {
    const app = await createCacheApp({
      CACHE_BACKEND: 'redis',
      REDIS_HOST: '127.0.0.2',
      REDIS_PORT: '1',
      REDIS_PASSWORD: 'not-this-one',
      REDIS_URL: url(),
      REDIS_TLS_CA_FILE: certs.caFile,
    });
    try {
      expect(await app.get(CacheManagerService).set('url-wins', 1)).toBe(true);
      expect(app.get(CacheManagerService).getBackendInfo()).toMatchObject({
        redisHost: '127.0.0.1',
        redisPort: server.port,
      });
    } finally {
      await app.close();
    }
  });

  it('a CA that did not sign the server certificate gives a clear 503 and no crash', async () => {
    const app = await createCacheApp({
      CACHE_BACKEND: 'redis',
      REDIS_URL: url(),
      REDIS_TLS_CA_FILE: certs.otherCaFile,
    });
    try {
      const cache = app.get(CacheManagerService);
      expect(await cache.set('untrusted', 1)).toBe(false);
      expect(await cache.get('untrusted', 'fallback')).toBe('fallback');
      const health = await healthUntil(app, 503);
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'down', backend: 'redis', error: 'TLS handshake failed' });
      expect(health.text).not.toContain(USER.password);
    } finally {
      await app.close();
    }
  });

  it('REDIS_TLS_REJECT_UNAUTHORIZED=false connects without checking the certificate', async () => {
    const app = await createCacheApp({
      CACHE_BACKEND: 'redis',
      REDIS_URL: url(),
      REDIS_TLS_CA_FILE: certs.otherCaFile,
      REDIS_TLS_REJECT_UNAUTHORIZED: 'false',
    });
    try {
      expect(await app.get(CacheManagerService).set('unchecked', 1)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('a wrong password gives a clear 503 and no crash, and the password shows nowhere, logs included', async () => {
    const wrong = 'wrong-Pa55word-x';
    const { app, cache, logs, close } = await startGraphApp({
      CACHE_BACKEND: 'redis',
      REDIS_URL: url(wrong),
      REDIS_TLS_CA_FILE: certs.caFile,
    });
    try {
      expect(await cache.set('denied', 1)).toBe(false);
      const health = await healthUntil(app, 503);
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'down', backend: 'redis', error: 'authentication failed' });
      expect(health.text).not.toContain(wrong);
      expect(JSON.stringify(cache.getBackendInfo())).not.toContain(wrong);
      expect(logs.join('\n')).toContain('authentication failed');
      expect(logs.join('\n')).not.toContain(wrong);
    } finally {
      await close();
    }
  });

  it('plain TCP to the TLS port does not connect: 503, no crash', async () => {
    const app = await createCacheApp({ CACHE_BACKEND: 'redis', REDIS_URL: url().replace('rediss:', 'redis:') });
    try {
      expect(await app.get(CacheManagerService).set('plain', 1)).toBe(false);
      const health = await healthUntil(app, 503);
      expect(health.status).toBe(503);
      expect(health.body).toMatchObject({ status: 'down', backend: 'redis' });
    } finally {
      await app.close();
    }
  });
});
