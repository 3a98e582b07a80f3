import type { INestApplication } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { IdeaGraphCacheModule } from '../../src';

/**
 * Boots a Nest app with the module configured from `env` only (process.env is ignored),
 * the way a host app would load it with forRootAsync().
 */
export async function createCacheApp(env: Record<string, string>): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => env] }),
      IdeaGraphCacheModule.forRootAsync(),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}
