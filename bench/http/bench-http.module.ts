import { Controller, Get, Module } from '@nestjs/common';
import { IdeaGraphCacheModule } from '../../src';

/** The cheapest honest Nest route: same app, same middleware, no I/O. */
@Controller('bench')
export class TrivialController {
  @Get('trivial')
  trivial(): { status: string } {
    return { status: 'ok' };
  }
}

/** The app each HTTP worker serves: the cache module (with GET /health/cache) beside a trivial route. */
@Module({
  imports: [
    IdeaGraphCacheModule.forRoot({
      backend: 'redis',
      redis: { host: '127.0.0.1', port: Number(process.env.BENCH_REDIS_PORT) },
    }),
  ],
  controllers: [TrivialController],
})
export class BenchHttpModule {}
