import { Test } from '@nestjs/testing';
import { CacheManagerService, IdeaGraphCacheModule } from '../../src';
import { BUS_STALENESS_BOUND_MS } from '../../src/bus/bus-timing';
import { CaptureLogger } from '../helpers/capture-logger';
import { redisAppFixture } from '../helpers/redis-app-fixture';
import { envOnlyConfig } from '../helpers/test-app';
import { until } from '../helpers/until';

/**
 * The tracking path when its connections or Redis fail, and when Redis will not track:
 * real redis-server, real connections killed by CLIENT KILL, a real ACL user.
 */
const fixture = redisAppFixture();
const tracking = (env: Record<string, string> = {}) =>
  fixture.cacheOn('hybrid', { CACHE_L1_INVALIDATION: 'tracking', ...env });
const BOUND_MS = BUS_STALENESS_BOUND_MS + 1000;
const json = (value: unknown) => JSON.stringify(value);

/** The tracking connections of the server: each with its id and the id its reports go to. */
async function trackingClients(): Promise<{ id: string; redir: string }[]> {
  const list = String(await fixture.raw.call('CLIENT', 'LIST'));
  return [...list.matchAll(/^id=(\d+) .*flags=(\S+) .*redir=(-?\d+)/gm)]
    .filter(([, , flags]) => flags.includes('t'))
    .map(([, id, , redir]) => ({ id, redir }));
}

async function holding(cache: CacheManagerService, key: string, value: unknown): Promise<void> {
  await fixture.raw.set(`:1:${key}`, json(value), 'EX', 300);
  // The write's own report may land after a first read filled L1 and drop it again: read until it is an L1 hit.
  await until(
    async () => {
      const hits = cache.getStats().tiers!.l1Hits;
      return (await cache.get(key)) === value && cache.getStats().tiers!.l1Hits === hits + 1;
    },
    `${key} to be held in L1`,
    10_000,
  );
}

/**
 * Reads `key` in a tight loop until the path is proven again and the bound has passed
 * since `changedAt()` (when the foreign write was acknowledged); returns the values read
 * once that bound had passed.
 */
async function readsPastTheBound(
  cache: CacheManagerService,
  key: string,
  changedAt: () => number | undefined,
): Promise<unknown[]> {
  const seen: unknown[] = [];
  const deadline = Date.now() + 15_000;
  let liveAgain = false;
  for (;;) {
    const issuedAt = Date.now();
    const value = await cache.get(key);
    const at = changedAt();
    if (at !== undefined && issuedAt > at + BOUND_MS) seen.push(value);
    const bus = cache.getStats().tiers!.bus;
    liveAgain ||= bus.tracking!.outages > 0 && bus.live;
    if ((liveAgain && seen.length >= 100) || Date.now() > deadline) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  expect(liveAgain).toBe(true);
  return seen;
}

describe.each([
  ['the tracking connection', (client: { id: string; redir: string }) => [client.id]],
  ['the redirect target (the subscriber)', (client: { id: string; redir: string }) => [client.redir]],
  ['both', (client: { id: string; redir: string }) => [client.id, client.redir]],
])('CLIENT KILL of %s', (_name, victims) => {
  it('loses the path, serves no stale read past the bound, and is proven again with an empty L1', async () => {
    const cache = await tracking();
    await holding(cache, 'k', 'old');
    const [client] = await trackingClients();
    expect(client).toBeDefined();
    let changedAt: number | undefined;
    const reads = readsPastTheBound(cache, 'k', () => changedAt);
    for (const id of victims(client)) await fixture.raw.call('CLIENT', 'KILL', 'ID', id);
    // A change made while the path is down: no report of it will ever come.
    await fixture.raw.set(':1:k', json('new'), 'KEEPTTL');
    changedAt = Date.now();
    const after = await reads;
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((value) => value !== 'new')).toEqual([]);
    expect(cache.getStats().tiers!.bus).toMatchObject({ mode: 'tracking', live: true, tracking: { outages: 1 } });
    // Set up again, under new connections, and working: the next foreign change is reported.
    await fixture.raw.set(':1:k', json('newer'), 'KEEPTTL');
    await until(async () => (await cache.get('k')) === 'newer', 'the next change to be seen', BOUND_MS);
  });
});

it('Redis restarted: the path is lost, then set up on the new server and proven; no stale read after', async () => {
  const cache = await tracking({ REDIS_COMMAND_TIMEOUT_MS: '300' });
  await holding(cache, 'k', 'old');
  await fixture.redis.restart();
  await until(
    () => cache.getStats().tiers!.bus.tracking!.outages === 1 && cache.getStats().tiers!.bus.live,
    'the path to be proven again',
    15_000,
  );
  // The restarted server kept nothing; a foreign write there is seen.
  expect(await cache.get('k')).toBeUndefined();
  await fixture.raw.set(':1:k', json('after restart'));
  await until(async () => (await cache.get('k')) === 'after restart', 'the write to be seen', BOUND_MS);
  await holding(cache, 'k', 'after restart');
  await fixture.raw.set(':1:k', json('reported'));
  await until(async () => (await cache.get('k')) === 'reported', 'the report after the restart', BOUND_MS);
});

describe('where the ACL user may not use CLIENT', () => {
  const USER = 'noclient';
  const PASSWORD = 'noclient-secret-1';
  beforeEach(async () => {
    await fixture.raw.call('ACL', 'SETUSER', USER, 'on', `>${PASSWORD}`, '~*', '&*', '+@all', '-client');
  });
  afterEach(async () => {
    await fixture.raw.call('ACL', 'DELUSER', USER);
  });

  async function start(mode: string, logger: CaptureLogger) {
    const moduleRef = await Test.createTestingModule({
      imports: [
        envOnlyConfig({
          ...fixture.redis.env(),
          CACHE_BACKEND: 'hybrid',
          REDIS_USERNAME: USER,
          REDIS_PASSWORD: PASSWORD,
          CACHE_L1_INVALIDATION: mode,
        }),
        IdeaGraphCacheModule.forRootAsync(),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger });
    await app.init();
    return app;
  }

  it('auto falls back to the bus with one warning that names the refusal, and L1 works on the bus', async () => {
    const logger = new CaptureLogger();
    const app = await start('auto', logger);
    try {
      const cache = app.get(CacheManagerService);
      await until(() => cache.getStats().tiers!.bus.live, 'the bus to be live');
      expect(cache.getStats().tiers!.bus).toMatchObject({
        mode: 'bus',
        modeReason: expect.stringMatching(/auto fell back to the bus: .*NOPERM.*client\|id/),
      });
      expect(cache.getBackendInfo().l1Invalidation).toBe('bus');
      await cache.set('k', 1);
      expect(await cache.get('k')).toBe(1);
      const hits = cache.getStats().tiers!.l1Hits;
      expect(await cache.get('k')).toBe(1);
      expect(cache.getStats().tiers!.l1Hits).toBe(hits + 1);
      const warnings = logger
        .cacheLines()
        .filter((line) => line.level === 'warn' && line.text.includes('CACHE_L1_INVALIDATION=auto'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0].text).toMatch(/client\|id/);
      expect(logger.lines.map((line) => line.text).join('\n')).not.toContain(PASSWORD);
    } finally {
      await app.close();
    }
  });

  it('tracking refuses to start, naming the missing permission', async () => {
    const logger = new CaptureLogger();
    await expect(start('tracking', logger)).rejects.toThrow(
      /CACHE_L1_INVALIDATION=tracking, but Redis refused server-assisted invalidation: NOPERM.*client\|id/,
    );
  });

  it('bus starts on the bus without a word about tracking', async () => {
    const logger = new CaptureLogger();
    const app = await start('bus', logger);
    try {
      const cache = app.get(CacheManagerService);
      await until(() => cache.getStats().tiers!.bus.live, 'the bus to be live');
      expect(cache.getStats().tiers!.bus).toMatchObject({ mode: 'bus', modeReason: 'CACHE_L1_INVALIDATION=bus' });
      expect(logger.cacheLines().filter((line) => /tracking/i.test(line.text))).toEqual([]);
    } finally {
      await app.close();
    }
  });
});
