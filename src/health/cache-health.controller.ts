import { Controller, Get, Header, ServiceUnavailableException } from '@nestjs/common';
import { CacheHealthService, type CacheHealthReport } from './cache-health.service';

@Controller('health')
export class CacheHealthController {
  constructor(private readonly health: CacheHealthService) {}

  /** 200 with backend details and latency when the backend answers; 503 with the reason when not. */
  @Get('cache')
  @Header('Cache-Control', 'no-store')
  async cache(): Promise<CacheHealthReport> {
    const report = await this.health.check();
    // An HttpException with an object body is sent as that body, on Express and Fastify alike.
    if (report.status === 'down') throw new ServiceUnavailableException(report);
    return report;
  }
}
