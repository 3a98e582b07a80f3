import type { DynamicModule, INestApplication } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import { IdeaGraphCacheModule } from '../../src';

/**
 * ConfigModule that sees `env` and nothing else: no .env file, no process.env (a developer's
 * shell CACHE_BACKEND=redis must not leak into a test). CACHE_HEALTH_ENABLED and
 * CACHE_HEALTH_PATH fix the route when forRootAsync() is called, so they are read from
 * process.env regardless; given only here, startup refuses them.
 */
export function envOnlyConfig(env: Record<string, string>): Promise<DynamicModule> {
  return ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => env] });
}

/**
 * Boots a Nest app with the module configured from `env` only (process.env is ignored),
 * the way a host app would load it with forRootAsync().
 */
export async function createCacheApp(env: Record<string, string>): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [envOnlyConfig(env), IdeaGraphCacheModule.forRootAsync()],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}
