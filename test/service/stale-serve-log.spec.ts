import { type INestApplication, Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheManagerService, IdeaGraphCacheModule } from '../../src';
import { CaptureLogger } from '../helpers/capture-logger';

describe('a stale value served by getOrSet', () => {
  let app: INestApplication;
  let logger: CaptureLogger;
  let cache: CacheManagerService;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [IdeaGraphCacheModule.forRoot({ backend: 'locmem' })],
    }).compile();
    logger = new CaptureLogger();
    app = moduleRef.createNestApplication({ logger });
    // Debug on, as `NestFactory.create(App, { logger: ['log', 'error', 'warn', 'debug'] })` does.
    Logger.overrideLogger(['log', 'error', 'warn', 'debug']);
    await app.init();
    cache = app.get(CacheManagerService);
  });
  afterAll(async () => {
    Logger.overrideLogger([]);
    await app?.close();
  });

  it('is logged at debug level, naming the cache, the key and why, besides being counted', async () => {
    await cache.getOrSet('report:1', () => 'computed', 1, { grace: 60 });
    // Past its 1 s timeout, within grace.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const since = Date.now();
    const value = await cache.getOrSet('report:1', () => Promise.reject(new Error('database down')), 1, { grace: 60 });
    expect(value).toBe('computed');
    expect(cache.getStats().getOrSet.staleServes).toBe(1);
    const lines = logger.cacheLines(since).filter((line) => line.text.includes('stale'));
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'debug',
        context: 'IdeaGraphCache:default',
        text: 'getOrSet served a stale value of "report:1": the factory failed (fail-safe)',
      }),
    ]);
  });
});
