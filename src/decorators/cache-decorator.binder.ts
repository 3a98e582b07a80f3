import { Inject, Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { CACHE_NAME, CACHE_SERVICE } from '../common/cache.tokens';
import { CacheManagerService } from '../service/cache-manager.service';
import { CacheBindings, decoratedCacheNames } from './cache-bindings';

/**
 * Hands this module's cache to every provider and controller of the app whose class has
 * @Cacheable or @CacheEvict methods for it, once the app starts. The decorated class needs
 * no constructor change, and two apps in one process keep their caches apart.
 */
@Injectable()
export class CacheDecoratorBinder implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(CACHE_SERVICE) private readonly cache: CacheManagerService,
    @Inject(CACHE_NAME) private readonly name: string,
  ) {}

  onModuleInit(): void {
    CacheBindings.register(this.name, this.cache);
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance: unknown = wrapper.instance;
      if (instance === null || typeof instance !== 'object') continue;
      if (decoratedCacheNames(instance)?.has(this.name)) CacheBindings.bind(instance, this.name, this.cache);
    }
  }

  onApplicationShutdown(): void {
    CacheBindings.unregister(this.name, this.cache);
  }
}
