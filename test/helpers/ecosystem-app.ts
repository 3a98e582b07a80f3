import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { IdeaGraphCacheModule } from '../../src/index';

/**
 * Boots a host app the way a Nest user writes one: the cache module configured from `env`
 * (process.env ignored), plus the app's own controllers and modules.
 */
export async function createHostApp(
  env: Record<string, string>,
  parts: { controllers?: Type[]; imports?: Array<Type | DynamicModule> } = {},
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => env] }),
      IdeaGraphCacheModule.forRootAsync(),
      ...(parts.imports ?? []),
    ],
    controllers: parts.controllers ?? [],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}
