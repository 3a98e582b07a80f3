import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import { CacheManagerService, IdeaGraphCacheModule } from '../../src';
import { RedisTestServer } from '../helpers/redis-server';
import { envOnlyConfig } from '../helpers/test-app';

const MAX = 64 * 1024;

/**
 * A stored value longer than CACHE_MAX_VALUE_BYTES is refused before it is decoded, on
 * every read path, in both value formats: this process never writes one, so it came from
 * another writer, who would otherwise choose what a read costs.
 */
describe.each([
  ['django', 'redis'],
  ['django', 'hybrid'],
  ['json', 'redis'],
  ['json', 'hybrid'],
])('reads of values over CACHE_MAX_VALUE_BYTES (%s format, %s backend)', (format, backend) => {
  let redis: RedisTestServer;
  let raw: Redis;
  let app: INestApplication;
  let cache: CacheManagerService;
  const logs: string[] = [];

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    raw = new Redis(redis.url);
    const moduleRef = await Test.createTestingModule({
      imports: [
        envOnlyConfig({
          ...redis.env(),
          CACHE_BACKEND: backend,
          CACHE_VALUE_FORMAT: format,
          CACHE_KEY_PREFIX: 'app',
          CACHE_MAX_VALUE_BYTES: String(MAX),
        }),
        IdeaGraphCacheModule.forRootAsync(),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: capture(logs) });
    await app.init();
    cache = app.get(CacheManagerService);
  });

  afterAll(async () => {
    await app?.close();
    await raw?.quit();
    await redis?.stop();
  });

  /** A value in the format, `extra` bytes over or under the limit. */
  function stored(bytes: number): Buffer {
    if (format === 'json') return Buffer.from(JSON.stringify('x'.repeat(bytes - 2)));
    // A pickle of one str: PROTO, BINUNICODE and its length, the text, STOP.
    const text = Buffer.alloc(bytes - 8, 'x');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(text.length);
    return Buffer.concat([Buffer.from([0x80, 5, 0x58]), length, text, Buffer.from('.')]);
  }

  it('a value of exactly CACHE_MAX_VALUE_BYTES reads; one byte more is a miss on get, getMany, ttl and getOrSet, counted and logged', async () => {
    await raw.set('app:1:fits', stored(MAX));
    await raw.set('app:1:over', stored(MAX + 1));
    expect(((await cache.get<string>('fits')) as string).length).toBe(MAX - (format === 'json' ? 2 : 8));
    const misses = cache.getStats().misses;
    expect(await cache.get('over')).toBeUndefined();
    expect(await cache.get('over', 'fallback')).toBe('fallback');
    expect(Object.keys(await cache.getMany(['fits', 'over']))).toEqual(['fits']);
    expect(await cache.getOrSet('over', () => 'computed')).toBe('computed');
    expect(await cache.get('over')).toBe('computed');
    expect(cache.getStats().misses).toBeGreaterThan(misses);
    const warnings = logs.filter((line) => line.includes('was not read'));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toContain(`a value larger than CACHE_MAX_VALUE_BYTES (${MAX})`);
    expect(warnings.join('\n')).not.toContain('xxxx');
    expect(cache.getStats().errors).toBe(0);
  });

  it('a getOrSet entry (header and value) over the limit is a miss: the factory runs', async () => {
    // A header as getOrSet writes it, around a value this process has never read (hybrid's L1 holds none).
    await cache.getOrSet('template', () => 'small', 60, { grace: 30 });
    const template = (await raw.getBuffer('app:1:template'))!;
    const header = template.subarray(0, template.indexOf(0x0a) + 1);
    await raw.set('app:1:entry', Buffer.concat([header, stored(MAX + 1)]));
    expect(await cache.getOrSet('entry', () => 'recomputed', 60, { grace: 30 })).toBe('recomputed');
  });
});

function capture(lines: string[]): LoggerService {
  const record = (level: string) => (message: unknown) => lines.push(`${level} ${String(message)}`);
  return {
    log: record('log'),
    error: record('error'),
    warn: record('warn'),
    debug: record('debug'),
    verbose: record('verbose'),
    fatal: record('fatal'),
  };
}
