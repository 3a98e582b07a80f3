import { type MiddlewareConsumer, RequestMethod } from '@nestjs/common';
import type { CacheMetricsOptions } from '../config/cache-options';
import { CacheMetricsMiddleware } from './cache-metrics.middleware';
import { loadPromClient } from './load-prom-client';

/** Mounts the Prometheus endpoint when it is switched on; off by default. */
export function configureCacheMetrics(consumer: MiddlewareConsumer, options: CacheMetricsOptions): void {
  if (!options.enabled) return;
  // Fail at startup, not at the first scrape, when prom-client is missing.
  loadPromClient();
  consumer.apply(CacheMetricsMiddleware).forRoutes({ path: options.path, method: RequestMethod.GET });
}
