import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CacheManagerService, IdeaGraphCacheModule, type IdeaGraphCacheModuleOptions } from '../../src';

/** A Nest application context with the module configured by `options`, as a host app would have it. */
export async function startCacheContext(
  options: IdeaGraphCacheModuleOptions,
): Promise<{ cache: CacheManagerService; context: INestApplicationContext }> {
  const context = await NestFactory.createApplicationContext(IdeaGraphCacheModule.forRoot(options), {
    logger: ['error'],
  });
  return { cache: context.get(CacheManagerService), context };
}
