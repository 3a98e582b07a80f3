import { Controller, Get, Header, ServiceUnavailableException, type Type } from '@nestjs/common';
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
    constructor(private readonly health: CacheHealthService) {}

    /** 200 when the backend answers; 503 with the reason when not. */
    @Get()
    @Header('Cache-Control', 'no-store')
    async cache(): Promise<CacheHealthReport> {
      const report = await this.health.check();
      // An HttpException with an object body is sent as that body, on Express and Fastify alike.
      if (report.status === 'down') throw new ServiceUnavailableException(report);
      return report;
    }
  }
  Reflect.defineMetadata(HEALTH_ROUTE_PATH, path, CacheHealthController);
  return CacheHealthController;
}
