import { Controller, Get, Header, ServiceUnavailableException, type Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { CacheHealthService, type CacheHealthReport } from './cache-health.service';

/** Marks a health controller class with its path, so a second one at the same path can be found. */
export const HEALTH_ROUTE_PATH = Symbol('ideagraph-cache:health-route-path');

/**
 * A controller class of its own for each mounted module: the path is an option, and a
 * class decorator is the only place Nest reads a controller's path from.
 */
export function createCacheHealthController(path: string): Type<unknown> {
  @Controller(path)
  class CacheHealthController {
    private others: CacheHealthService[] | undefined;

    constructor(
      private readonly health: CacheHealthService,
      private readonly discovery: DiscoveryService,
    ) {}

    /**
     * 200 when the backend answers; 503 with the reason when not. With named caches in the
     * app, `caches` reports each of them, and any one down makes the answer 503.
     */
    @Get()
    @Header('Cache-Control', 'no-store')
    async cache(): Promise<CacheHealthReport & { caches?: Record<string, CacheHealthReport> }> {
      const [report, named] = await Promise.all([this.health.check(), this.namedReports()]);
      const body = named ? { ...report, caches: named } : report;
      const anyDown = report.status === 'down' || Object.values(named ?? {}).some((other) => other.status === 'down');
      // An HttpException with an object body is sent as that body, on Express and Fastify alike.
      if (anyDown) throw new ServiceUnavailableException(body);
      return body;
    }

    /** The other caches of this app (named imports of the module), found once. */
    private async namedReports(): Promise<Record<string, CacheHealthReport> | undefined> {
      this.others ??= this.discovery
        .getProviders()
        .map((wrapper) => wrapper.instance as unknown)
        .filter((instance): instance is CacheHealthService => instance instanceof CacheHealthService && instance !== this.health);
      if (this.others.length === 0) return undefined;
      const reports = await Promise.all(this.others.map(async (other) => [other.cacheName, await other.check()] as const));
      return Object.fromEntries(reports);
    }
  }
  Reflect.defineMetadata(HEALTH_ROUTE_PATH, path, CacheHealthController);
  return CacheHealthController;
}
