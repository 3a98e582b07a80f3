import { Inject, Injectable } from '@nestjs/common';
import type { CacheHealthService } from '../health/cache-health.service';
import { CACHE_HEALTH } from '../common/cache.tokens';
import { loadTerminus } from './load-terminus';

/**
 * The shape of Terminus' `HealthIndicatorResult`, spelled out here so that the published
 * type declarations do not need @nestjs/terminus installed.
 */
export type CacheHealthIndicatorResult<Key extends string = string> = {
  [K in Key]: { status: 'up' | 'down'; [detail: string]: unknown };
};

/**
 * A Terminus health indicator for the cache backend, for use inside
 * `HealthCheckService.check([() => cacheIndicator.isHealthy()])`. It runs the same bounded
 * live probe as `GET /health/cache` and reports the backend details when up, the reason
 * when down. Needs @nestjs/terminus (an optional peer dependency) only when called.
 *
 * @example
 * ```ts
 * @Get('health')
 * @HealthCheck()
 * check() {
 *   return this.health.check([() => this.cacheIndicator.isHealthy('cache')]);
 * }
 * ```
 */
@Injectable()
export class CacheHealthIndicator {
  constructor(@Inject(CACHE_HEALTH) private readonly health: CacheHealthService) {}

  async isHealthy<const Key extends string = 'cache'>(
    key: Key = 'cache' as Key,
  ): Promise<CacheHealthIndicatorResult<Key>> {
    const session = new (loadTerminus().HealthIndicatorService)().check(key);
    const report = await this.health.check();
    // Degraded (a hybrid whose bus is lost) still serves correct answers: up, and the details say why.
    if (report.status !== 'down') {
      const { status, ...details } = report;
      return session.up(status === 'degraded' ? { ...details, degraded: true } : details);
    }
    const { status: _down, ...details } = report;
    return session.down(details);
  }
}
