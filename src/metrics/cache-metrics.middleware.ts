import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Registry } from 'prom-client';
import { cacheLogContext } from '../common/cache-name';
import { CACHE_NAME } from '../common/cache.tokens';
import { createCacheMetricsRegistry } from './cache-metrics.registry';
import { ModuleMetricsSource } from './cache-metrics.source';

/**
 * Serves the Prometheus text format at `metrics.path`, for every cache of the app (each
 * series labelled with its cache). A middleware rather than a controller because the path is
 * a setting, known only once the options are resolved, and because no interceptor of the
 * app reaches a middleware. Raw Node request/response, so it works on Express and Fastify alike.
 */
@Injectable()
export class CacheMetricsMiddleware implements NestMiddleware {
  private readonly logger: Logger;
  private registry: Registry | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(CACHE_NAME) cacheName: string,
  ) {
    this.logger = new Logger(cacheLogContext(cacheName));
  }

  async use(_request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      this.registry ??= createCacheMetricsRegistry(this.sources());
      const body = await this.registry.metrics();
      response.statusCode = 200;
      response.setHeader('Content-Type', this.registry.contentType);
      response.setHeader('Cache-Control', 'no-store');
      response.end(body);
    } catch (error) {
      this.logger.error(`metrics endpoint failed: ${error instanceof Error ? error.message : String(error)}`);
      response.statusCode = 500;
      response.setHeader('Content-Type', 'text/plain; charset=utf-8');
      response.end('metrics unavailable\n');
    }
  }

  /** Every cache module of the app, the default one first. */
  private sources(): ModuleMetricsSource[] {
    const found = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is ModuleMetricsSource => instance instanceof ModuleMetricsSource);
    return [...new Set(found)].sort((a, b) =>
      a.cacheName === 'default' ? -1 : b.cacheName === 'default' ? 1 : a.cacheName.localeCompare(b.cacheName),
    );
  }
}
