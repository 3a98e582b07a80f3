import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IdeaGraphCacheModule } from '../../../src';
import { GuardedStore } from '../../../src/resilience/guarded-store';
import { CacheManagerService } from '../../../src/service/cache-manager.service';
import { L1_VALUES_UNDER_TEST, l1ValuesEnv } from '../../helpers/l1-values';
import { envOnlyConfig } from '../../helpers/test-app';

export interface FaultApp {
  app: INestApplication;
  cache: CacheManagerService;
  /** The resilience layer, read only for its breaker state. */
  guard: GuardedStore;
}

/**
 * Boots the module from `env` alone, the way a host app would, with `logger` receiving all
 * Nest log output; its values in the mode under test unless `env` names one (CACHE_L1_VALUES).
 */
export async function startFaultApp(env: Record<string, string>, logger: LoggerService): Promise<FaultApp> {
  const moduleRef = await Test.createTestingModule({
    imports: [envOnlyConfig({ ...l1ValuesEnv(L1_VALUES_UNDER_TEST), ...env }), IdeaGraphCacheModule.forRootAsync()],
  }).compile();
  const app = moduleRef.createNestApplication({ logger });
  await app.init();
  return { app, cache: app.get(CacheManagerService), guard: app.get(GuardedStore) };
}
