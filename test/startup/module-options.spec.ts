import { Injectable, type INestApplication, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import {
  CACHE_MANAGER,
  CacheConfigError,
  CacheManagerService,
  cacheOptionsFromConfig,
  IdeaGraphCacheModule,
  type IdeaGraphCacheModuleOptions,
} from '../../src/index';
import { createCacheApp } from '../helpers/test-app';

function configFrom(env: Record<string, string>) {
  return ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => env] });
}

async function boot(imports: unknown[]): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({ imports: imports as never[] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('module options', () => {
  const apps: INestApplication[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
  });

  it('forRootAsync() with no argument reads the environment through ConfigService', async () => {
    const app = await createCacheApp({
      CACHE_BACKEND: 'locmem',
      CACHE_KEY_PREFIX: 'env',
      CACHE_VERSION: '4',
      CACHE_DEFAULT_TIMEOUT: '42',
    });
    apps.push(app);
    expect(app.get(CacheManagerService).getBackendInfo()).toMatchObject({
      backend: 'locmem',
      keyPrefix: 'env',
      version: 4,
      defaultTimeout: 42,
    });
  });

  it('an app with a bad CACHE_BACKEND or REDIS_PORT fails at startup with one message naming both', async () => {
    const startup = createCacheApp({ CACHE_BACKEND: 'memcached', REDIS_PORT: 'abc', REDIS_PASSWORD: 'hunter2-secret' });
    await expect(startup).rejects.toThrow(CacheConfigError);
    await startup.catch((error: Error) => {
      expect(error.message).toContain('CACHE_BACKEND="memcached"');
      expect(error.message).toContain('REDIS_PORT="abc"');
      expect(error.message).toContain('expected an integer from 1 to 65535');
      expect(error.message).not.toContain('hunter2');
    });
  });

  it('forRoot(options) takes static options, with defaults for the rest', async () => {
    const app = await boot([IdeaGraphCacheModule.forRoot({ backend: 'dummy', keyPrefix: 'static' })]);
    apps.push(app);
    expect(app.get(CacheManagerService).getBackendInfo()).toMatchObject({
      backend: 'dummy',
      keyPrefix: 'static',
      version: 1,
      defaultTimeout: 300,
    });
  });

  it('forRoot with a bad static option fails at startup with CacheConfigError', async () => {
    await expect(
      boot([IdeaGraphCacheModule.forRoot({ backend: 'memcached' } as unknown as IdeaGraphCacheModuleOptions)]),
    ).rejects.toThrow(/backend \(CACHE_BACKEND\)="memcached" is invalid/);
  });

  it('useFactory can spread cacheOptionsFromConfig and override a field', async () => {
    const app = await boot([
      configFrom({
        CACHE_BACKEND: 'locmem',
        CACHE_KEY_PREFIX: 'from-env',
        CACHE_DEFAULT_TIMEOUT: '60',
        CACHE_MAX_ENTRIES: '2',
      }),
      IdeaGraphCacheModule.forRootAsync({
        inject: [ConfigService],
        useFactory: (config: ConfigService) => ({ ...cacheOptionsFromConfig(config), keyPrefix: 'overridden' }),
      }),
    ]);
    apps.push(app);
    const cache = app.get(CacheManagerService);
    expect(cache.getBackendInfo()).toMatchObject({ backend: 'locmem', keyPrefix: 'overridden', defaultTimeout: 60 });
    // CACHE_MAX_ENTRIES=2 from the environment still applies.
    await cache.setMany({ a: 1, b: 2, c: 3 });
    expect(Object.keys(await cache.getMany(['a', 'b', 'c']))).toEqual(['b', 'c']);
  });

  it('cacheOptionsFromConfig fails with the same message for a bad environment', async () => {
    await expect(
      boot([
        configFrom({ REDIS_PORT: '99999' }),
        IdeaGraphCacheModule.forRootAsync({ inject: [ConfigService], useFactory: cacheOptionsFromConfig }),
      ]),
    ).rejects.toThrow(/REDIS_PORT="99999" is invalid/);
  });

  it('an overriding useFactory is validated too', async () => {
    await expect(
      boot([
        configFrom({}),
        IdeaGraphCacheModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({ ...cacheOptionsFromConfig(config), defaultTimeout: 0 }),
        }),
      ]),
    ).rejects.toThrow(/defaultTimeout \(CACHE_DEFAULT_TIMEOUT\)=0/);
  });

  it('useClass builds the options from an options factory', async () => {
    @Injectable()
    class CacheOptionsFactory {
      create(): IdeaGraphCacheModuleOptions {
        return { backend: 'locmem', version: 9 };
      }
    }
    const app = await boot([IdeaGraphCacheModule.forRootAsync({ useClass: CacheOptionsFactory })]);
    apps.push(app);
    expect(app.get(CacheManagerService).getBackendInfo()).toMatchObject({ backend: 'locmem', version: 9 });
  });

  it('isGlobal makes the services injectable in modules that do not import it', async () => {
    @Injectable()
    class Consumer {
      constructor(readonly cache: CacheManagerService) {}
    }
    @Module({ providers: [Consumer], exports: [Consumer] })
    class FeatureModule {}
    const app = await boot([IdeaGraphCacheModule.forRoot({ backend: 'locmem', isGlobal: true }), FeatureModule]);
    apps.push(app);
    const consumer = app.get(Consumer);
    await consumer.cache.set('global', 1);
    expect(await app.get(CacheManagerService).get('global')).toBe(1);
    expect(app.get(CACHE_MANAGER)).toBeDefined();
  });
});
