import { Module, type INestApplication, type LoggerService, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheManagerService, IdeaGraphCacheModule } from '../../src';
import { envOnlyConfig } from '../helpers/test-app';

export interface DecoratedApp {
  app: INestApplication;
  cache: CacheManagerService;
  close(): Promise<void>;
}

/** A Nest app with the cache module configured from `env` and `providers` as the app's own services. */
export async function decoratedApp(
  providers: Type[],
  env: Record<string, string>,
  logger: LoggerService | false = false,
): Promise<DecoratedApp> {
  @Module({ providers })
  class ServicesModule {}
  const moduleRef = await Test.createTestingModule({
    imports: [envOnlyConfig(env), IdeaGraphCacheModule.forRootAsync({ isGlobal: true }), ServicesModule],
  }).compile();
  const app = moduleRef.createNestApplication({ logger });
  await app.init();
  return { app, cache: app.get(CacheManagerService), close: () => app.close() };
}
