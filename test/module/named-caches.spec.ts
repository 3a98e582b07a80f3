import { Injectable, Module, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { Cache } from 'cache-manager';
import {
  CACHE_MANAGER,
  Cacheable,
  CacheConfigError,
  CacheHealthIndicator,
  CacheHealthService,
  CacheManagerService,
  cacheToken,
  GraphTokenService,
  IdeaGraphCacheModule,
  InjectCache,
} from '../../src';
import { RedisTestServer } from '../helpers/redis-server';
import { envOnlyConfig } from '../helpers/test-app';

@Injectable()
class ReportService {
  runs = 0;

  constructor(
    @InjectCache('reports') readonly reports: CacheManagerService,
    @InjectCache() readonly main: CacheManagerService,
    readonly byType: CacheManagerService,
  ) {}

  @Cacheable({ cache: 'reports', key: 'report:{0}' })
  async report(id: number): Promise<string> {
    this.runs++;
    return `report ${id}`;
  }
}

describe('named caches', () => {
  let redis: RedisTestServer;
  let app: INestApplication;
  let service: ReportService;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    @Module({ providers: [ReportService] })
    class ReportsModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [
        // The default cache from the environment: locmem.
        envOnlyConfig({ CACHE_BACKEND: 'locmem', CACHE_HEALTH_DETAILS: 'true' }),
        IdeaGraphCacheModule.forRootAsync({ isGlobal: true }),
        // A named one in code: Redis database 1, its own prefix and timeout.
        IdeaGraphCacheModule.forRootAsync({
          name: 'reports',
          isGlobal: true,
          useFactory: () => ({
            backend: 'redis',
            redis: { host: '127.0.0.1', port: redis.port, db: 1 },
            keyPrefix: 'reports',
            defaultTimeout: 900,
          }),
        }),
        ReportsModule,
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    service = app.get(ReportService);
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('@InjectCache(name) gives the named cache; @InjectCache() and injection by type give the default one', () => {
    expect(service.reports.getBackendInfo()).toMatchObject({
      backend: 'redis',
      redisDb: 1,
      keyPrefix: 'reports',
      defaultTimeout: 900,
    });
    expect(service.main.getBackendInfo().backend).toBe('locmem');
    expect(service.byType).toBe(service.main);
  });

  it('keys, clear() and stats are each their own', async () => {
    await service.main.set('shared-name', 'main');
    await service.reports.set('shared-name', 'reports');
    expect(await service.main.get('shared-name')).toBe('main');
    expect(await service.reports.get('shared-name')).toBe('reports');
    expect(redis.cli('-n', '1', 'GET', 'reports:1:shared-name')).toBe('"reports"');
    expect(redis.cli('-n', '0', 'DBSIZE')).toBe('0');
    await service.reports.clear();
    expect(await service.reports.get('shared-name')).toBeUndefined();
    expect(await service.main.get('shared-name')).toBe('main');
    expect(service.main.getStats().backend).toBe('locmem');
    expect(service.reports.getStats().backend).toBe('redis');
    expect(service.reports.getStats().sets).toBe(1);
  });

  it('@Cacheable({ cache }) uses the named cache', async () => {
    expect(await service.report(1)).toBe('report 1');
    expect(await service.report(1)).toBe('report 1');
    expect(service.runs).toBe(1);
    expect(await service.reports.get('report:1')).toBe('report 1');
    expect(await service.main.get('report:1')).toBeUndefined();
  });

  it('/health/cache reports each cache, and answers 503 when one is down', async () => {
    const up = await request(app.getHttpServer()).get('/health/cache').expect(200);
    expect(up.body).toMatchObject({
      status: 'up',
      backend: 'locmem',
      caches: { reports: { status: 'up', backend: 'redis' } },
    });
    await redis.kill();
    try {
      let down: request.Response | undefined;
      for (let attempt = 0; attempt < 50 && down?.status !== 503; attempt++) {
        down = await request(app.getHttpServer()).get('/health/cache');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(down?.status).toBe(503);
      expect(down?.body).toMatchObject({
        status: 'up',
        backend: 'locmem',
        caches: { reports: { status: 'down', backend: 'redis' } },
      });
    } finally {
      await redis.restart();
    }
  });
});

describe('named cache definitions', () => {
  it.each([['default'], [''], ['has space'], ['1starts-with-digit']])('refuses the name %p', (name) => {
    expect(() => IdeaGraphCacheModule.forRoot({ name })).toThrow(CacheConfigError);
  });

  it('caches with the same Redis settings share one command connection', async () => {
    const redis = await RedisTestServer.start();
    const settings = { backend: 'redis' as const, redis: { host: '127.0.0.1', port: redis.port } };
    const moduleRef = await Test.createTestingModule({
      imports: [
        IdeaGraphCacheModule.forRoot({ ...settings, keyPrefix: 'a' }),
        IdeaGraphCacheModule.forRoot({ ...settings, name: 'b', keyPrefix: 'b' }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    try {
      const a = app.get<CacheManagerService>(cacheToken());
      const b = app.get<CacheManagerService>(cacheToken('b'));
      expect(a).not.toBe(b);
      await a.set('k', 1);
      await b.set('k', 2);
      // One client connection for both (the bus of the redis backend opens none until a fleet lock waits).
      const clients = redis
        .cli('CLIENT', 'LIST')
        .split('\n')
        .filter((line) => !line.includes('cmd=client'));
      expect(clients).toHaveLength(1);
      expect(await a.get('k')).toBe(1);
      expect(await b.get('k')).toBe(2);
    } finally {
      await app.close();
      await redis.stop();
    }
  });
});

describe('the default cache behind the class tokens', () => {
  it.each([['after'], ['before']])(
    'app.get(CacheManagerService) and the other public classes give the default cache, named caches imported %s it',
    async (order) => {
      const named = (name: string) =>
        IdeaGraphCacheModule.forRoot({ name, backend: 'locmem', keyPrefix: name, isGlobal: true });
      const main = IdeaGraphCacheModule.forRoot({ backend: 'locmem', keyPrefix: 'main', isGlobal: true });
      // Nest answers app.get(Class) with the last module that provides Class, so a named
      // cache must not provide any of them.
      const imports =
        order === 'after' ? [main, named('reports'), named('sessions')] : [named('reports'), named('sessions'), main];
      const moduleRef = await Test.createTestingModule({ imports }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      await app.init();
      try {
        const main = app.get<CacheManagerService>(cacheToken());
        expect(main.getBackendInfo().keyPrefix).toBe('main');
        expect(app.get(CacheManagerService)).toBe(main);
        expect(moduleRef.get(CacheManagerService, { strict: false })).toBe(main);
        expect(app.get<CacheManagerService>(cacheToken('reports')).getBackendInfo().keyPrefix).toBe('reports');
        expect(app.get(CacheHealthService).cacheName).toBe('default');
        await app.get<Cache>(CACHE_MANAGER).set('via-facade', 1);
        expect(await main.get('via-facade')).toBe(1);
        // Every public class resolves to exactly one instance: the default cache's.
        for (const token of [
          CacheManagerService,
          CacheHealthService,
          CacheHealthIndicator,
          GraphTokenService,
          CACHE_MANAGER,
        ]) {
          expect(() => app.get(token, { strict: false, each: true } as never)).not.toThrow();
          expect(app.get(token, { strict: false, each: true } as never)).toHaveLength(1);
        }
      } finally {
        await app.close();
      }
    },
  );
});
