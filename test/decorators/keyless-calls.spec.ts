import { Injectable } from '@nestjs/common';
import { Cacheable, CacheEvict } from '../../src';
import { CaptureLogger } from '../helpers/capture-logger';
import { RedisTestServer } from '../helpers/redis-server';
import { decoratedApp, type DecoratedApp } from './decorated-app';

/** Methods fed straight from user input, as a controller would call them. */
@Injectable()
class LookupService {
  runs = 0;

  @Cacheable()
  async byName(name: string): Promise<string> {
    this.runs++;
    return `found ${name.length}`;
  }

  @Cacheable({ key: 'search:{0}' })
  async search(text: string): Promise<string> {
    this.runs++;
    return `results ${text.length}`;
  }

  @Cacheable()
  async since(date: Date): Promise<string> {
    this.runs++;
    return `since ${String(date.getTime())}`;
  }

  @Cacheable()
  async filter(filter: Record<string, unknown>): Promise<number> {
    this.runs++;
    return Object.keys(filter).length;
  }

  @Cacheable({ key: (id: string) => `raw:${id}` })
  async raw(id: string): Promise<string> {
    this.runs++;
    return `raw ${id.length}`;
  }

  @Cacheable({ key: (key: string) => key })
  async direct(key: string): Promise<string> {
    this.runs++;
    return `direct ${key.length}`;
  }

  @CacheEvict({ keys: (id: string) => [`raw:${id}`] })
  async forget(id: string): Promise<string> {
    return `forgot ${id.length}`;
  }
}

describe.each(['locmem', 'redis'] as const)('user input never makes a decorated method throw, on %s', (backend) => {
  let redis: RedisTestServer | undefined;
  let run: DecoratedApp;
  let lookup: LookupService;
  let logger: CaptureLogger;

  beforeAll(async () => {
    redis = backend === 'redis' ? await RedisTestServer.start() : undefined;
  });
  beforeEach(async () => {
    logger = new CaptureLogger();
    run = await decoratedApp([LookupService], redis ? redis.env() : { CACHE_BACKEND: 'locmem' }, logger);
    lookup = run.app.get(LookupService);
  });
  afterEach(async () => {
    await run.close();
    redis?.cli('FLUSHALL');
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('U+007F in a default-key argument is escaped in the key: the result is cached', async () => {
    expect(await lookup.byName('a\u007fb')).toBe('found 3');
    expect(await lookup.byName('a\u007fb')).toBe('found 3');
    expect(await lookup.byName('a\\u007fb')).toBe('found 8');
    expect(lookup.runs).toBe(2);
  });

  it('a newline in a template argument is escaped in the key: the result is cached', async () => {
    expect(await lookup.search('a\nb')).toBe('results 3');
    expect(await lookup.search('a\nb')).toBe('results 3');
    expect(lookup.runs).toBe(1);
    expect(await run.cache.get('search:"a\\nb"')).toBe('results 3');
  });

  it('a template key past 1024 characters is hashed, like a default key: cached, and apart from its neighbours', async () => {
    const long = 'x'.repeat(2000);
    expect(await lookup.search(long)).toBe('results 2000');
    expect(await lookup.search(long)).toBe('results 2000');
    expect(await lookup.search(`${long}y`)).toBe('results 2001');
    expect(lookup.runs).toBe(2);
  });

  it('an invalid Date runs the method without the cache, every time; counted, and logged once per window', async () => {
    const invalid = new Date('not a date');
    expect(await lookup.since(invalid)).toBe('since NaN');
    expect(await lookup.since(invalid)).toBe('since NaN');
    expect(lookup.runs).toBe(2);
    expect(run.cache.getStats().keylessCalls).toBe(2);
    const lines = logger.cacheLines().filter((line) => line.text.includes('no cache key'));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toMatchObject({ level: 'warn' });
    expect(lines[0].text).toContain('@Cacheable on LookupService.since: no cache key for this call');
    expect(lines[0].text).toContain('invalid Date');
  });

  it('caller text in the logged reason is escaped and shortened, and 200 such calls give a few lines, not 200', async () => {
    const planted = `x\n2026-12-07T12:00:00Z ERROR [Auth] admin logged in${'!'.repeat(500)}`;
    for (let i = 0; i < 200; i++) expect(await lookup.filter({ [planted]: () => i })).toBe(1);
    expect(run.cache.getStats().keylessCalls).toBe(200);
    const lines = logger.cacheLines().filter((line) => line.text.includes('no cache key'));
    // Throttled to one line per 5 s window: a loaded machine may span a second window, never 200.
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThan(10);
    for (const line of lines) {
      expect(line.text).not.toContain('\n');
      expect(line.text).toContain('x\\u000a2026-12-07T12:00:00Z ERROR');
      expect(line.text.length).toBeLessThan(500);
    }
  });

  it('a key function that returns a key the cache refuses (reserved, control character) runs the method uncached', async () => {
    expect(await lookup.raw('a\rb')).toBe('raw 3');
    expect(await lookup.raw('a\rb')).toBe('raw 3');
    expect(await lookup.forget('a\rb')).toBe('forgot 3');
    expect(await lookup.direct('~tag:orders')).toBe('direct 11');
    expect(await lookup.direct('~lock:x')).toBe('direct 7');
    expect(lookup.runs).toBe(4);
    expect(run.cache.getStats().keylessCalls).toBe(5);
  });
});
