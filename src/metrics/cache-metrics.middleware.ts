import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import type { Registry } from 'prom-client';
import type { GraphTokenService } from '../graph/graph-token.service';
import { CACHE_SERVICE, GRAPH_TOKENS } from '../module/cache.tokens';
import type { CacheManagerService } from '../service/cache-manager.service';
import { createCacheMetricsRegistry } from './cache-metrics.registry';

/**
 * Serves the Prometheus text format at `metrics.path`. A middleware rather than a
 * controller because the path is a setting, known only once the options are resolved.
 * Raw Node request/response, so it works on Express and Fastify alike.
 */
@Injectable()
export class CacheMetricsMiddleware implements NestMiddleware {
  private readonly logger = new Logger('IdeaGraphCache');
  private registry: Registry | undefined;

  constructor(
    @Inject(CACHE_SERVICE) private readonly cache: CacheManagerService,
    @Inject(GRAPH_TOKENS) private readonly graph: GraphTokenService,
  ) {}

  async use(_request: IncomingMessage, response: ServerResponse): Promise<void> {
    try {
      this.registry ??= createCacheMetricsRegistry({
        cacheStats: () => this.cache.getStats(),
        graphCounters: () => this.graph.status,
      });
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
}
