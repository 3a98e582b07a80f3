import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Cacheable, CacheManagerService, IdeaGraphCacheModule, type IdeaGraphCacheModuleOptions } from '../../src';
import { payload } from './payload';

/** Seconds the decorated method's results are kept, given as a caller would. */
export const ITEM_TIMEOUT_SECONDS = 300;

/** A plain class with a cached method, as an app would write one: no constructor change, no injected cache. */
export class ItemRepository {
  /** Runs of the method body: on a hit there are none. */
  loads = 0;

  @Cacheable({ key: 'item:{0}', timeout: ITEM_TIMEOUT_SECONDS })
  async find(id: number): Promise<Record<string, unknown>> {
    this.loads++;
    return payload(id);
  }
}

/**
 * An app whose provider has a @Cacheable method, beside IdeaGraphCacheModule: the module
 * hands its cache to the provider when the app starts.
 */
export async function startDecoratedApp(
  options: IdeaGraphCacheModuleOptions,
): Promise<{ cache: CacheManagerService; repository: ItemRepository; context: INestApplicationContext }> {
  @Module({ imports: [IdeaGraphCacheModule.forRoot(options)], providers: [ItemRepository] })
  class DecoratedAppModule {}
  const context = await NestFactory.createApplicationContext(DecoratedAppModule, { logger: ['error'] });
  return { cache: context.get(CacheManagerService), repository: context.get(ItemRepository), context };
}
