import { Controller, Get, Param } from '@nestjs/common';
import { CacheManagerService } from '../index';

@Controller('demo')
export class DemoController {
  constructor(private readonly cache: CacheManagerService) {}

  /** Counts visits per name, atomically on every backend. */
  @Get('visits/:name')
  async visits(@Param('name') name: string): Promise<{ name: string; visits: number | null }> {
    const key = `visits:${name}`;
    await this.cache.add(key, 0, null);
    return { name, visits: await this.cache.incr(key) };
  }

  /** An expensive value computed once per 30 s, shared by concurrent requests. */
  @Get('slow-clock')
  async slowClock(): Promise<{ computedAt: string }> {
    return this.cache.getOrSet('slow-clock', async () => ({ computedAt: new Date().toISOString() }), 30);
  }
}
