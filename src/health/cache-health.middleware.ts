import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type NestMiddleware } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { cacheLogContext } from '../common/cache-name';
import { CACHE_HEALTH } from '../common/cache.tokens';
import { CacheHealthService, type CacheHealthReport } from './cache-health.service';

/** The answer of GET /health/cache: this cache's report, and with named caches each of theirs. */
export type CacheHealthAnswer = CacheHealthReport & { caches?: Record<string, CacheHealthReport> };

/**
 * Serves GET /health/cache. A middleware, not a controller: interceptors (a global
 * CacheInterceptor above all) and guards run around controller routes only, so none of the
 * app's can cache this answer and hide a 503 from a load balancer, whatever the order the
 * app registers them in. Raw Node request/response, so it works on Express and Fastify alike.
 */
@Injectable()
export class CacheHealthMiddleware implements NestMiddleware {
  private others: CacheHealthService[] | undefined;

  constructor(
    @Inject(CACHE_HEALTH) private readonly health: CacheHealthService,
    private readonly discovery: DiscoveryService,
  ) {}

  async use(_request: IncomingMessage, response: ServerResponse): Promise<void> {
    let status = 200;
    let body: unknown;
    try {
      const answer = await this.answer();
      body = answer;
      if (answer.status === 'down' || Object.values(answer.caches ?? {}).some((other) => other.status === 'down'))
        status = 503;
    } catch (error) {
      new Logger(cacheLogContext(this.health.cacheName)).error(
        `health endpoint failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      status = 500;
      body = { status: 'down', error: 'health check failed' };
    }
    response.statusCode = status;
    response.setHeader('Content-Type', 'application/json; charset=utf-8');
    response.setHeader('Cache-Control', 'no-store');
    response.end(JSON.stringify(body));
  }

  /** With named caches in the app, `caches` reports each of them, and any one down makes the answer 503. */
  private async answer(): Promise<CacheHealthAnswer> {
    const [report, named] = await Promise.all([this.health.check(), this.namedReports()]);
    return named ? { ...report, caches: named } : report;
  }

  /** The other caches of this app (named imports of the module), found once. */
  private async namedReports(): Promise<Record<string, CacheHealthReport> | undefined> {
    this.others ??= this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter(
        (instance): instance is CacheHealthService =>
          instance instanceof CacheHealthService && instance !== this.health,
      );
    if (this.others.length === 0) return undefined;
    const reports = await Promise.all(
      this.others.map(async (other) => [other.cacheName, await other.check()] as const),
    );
    return Object.fromEntries(reports);
  }
}
