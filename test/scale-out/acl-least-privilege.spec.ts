import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CacheManagerService } from '../../src';
import { BUS_STALENESS_BOUND_MS } from '../../src/bus/bus-timing';
import { redisAppFixture } from '../helpers/redis-app-fixture';
import { until } from '../helpers/until';

/**
 * The least-privilege ACL user of docs/scale-out.md, read from the page itself so the two
 * cannot drift: both backends work through it, Redis denies nothing, and the hybrid keeps
 * L1 coherent with Redis's own reports.
 */
const fixture = redisAppFixture();
const PASSWORD = 'least-privilege-1';

function documentedAclCommand(): string[] {
  const page = readFileSync(join(__dirname, '../../docs/scale-out.md'), 'utf8');
  const section = page.slice(page.indexOf('#### Least privilege'));
  const line = /```text\n(ACL SETUSER [^\n]+)\n```/.exec(section)![1];
  return line.replace('>change-me', `>${PASSWORD}`).split(' ').slice(2);
}

async function everyKindOfCall(cache: CacheManagerService): Promise<void> {
  expect(await cache.set('a', 1, 10)).toBe(true);
  expect(await cache.get('a')).toBe(1);
  expect(await cache.getMany(['a', 'b'])).toEqual({ a: 1 });
  await cache.setMany({ x: 1, y: 2 }, 10);
  expect(await cache.add('z', 1)).toBe(true);
  expect(await cache.incr('z')).toBe(2);
  expect(await cache.decr('z')).toBe(1);
  expect(await cache.touch('a', 20)).toBe(true);
  expect(await cache.touch('a', null)).toBe(true);
  expect(await cache.delete('a')).toBe(true);
  await cache.deleteMany(['x', 'y']);
  expect(await cache.getOrSet('g', async () => 5, 10, { tags: ['t1'] })).toBe(5);
  expect(await cache.invalidateTags(['t1'])).toBe(true);
  expect(
    await cache.getOrSetMany(['m1', 'm2'], async (keys) => Object.fromEntries(keys.map((key) => [key, 1])), 10),
  ).toEqual({ m1: 1, m2: 1 });
  await cache.clear();
  expect(cache.getStats().errors).toBe(0);
}

it('the documented least-privilege user runs both backends, hybrid with tracking in force, and Redis denies nothing', async () => {
  await fixture.raw.call('ACL', 'SETUSER', ...documentedAclCommand());
  await fixture.raw.call('ACL', 'LOG', 'RESET');
  const env = { REDIS_USERNAME: 'ideagraph-cache', REDIS_PASSWORD: PASSWORD, CACHE_KEY_PREFIX: 'shop' };
  try {
    const hybrid = await fixture.cacheOn('hybrid', { ...env, CACHE_L1_INVALIDATION: 'tracking' });
    const redis = await fixture.cacheOn('redis', env);
    expect(hybrid.getStats().tiers!.bus).toMatchObject({ mode: 'tracking', live: true });
    await everyKindOfCall(hybrid);
    await everyKindOfCall(redis);
    // A write by another client is reported through this user's tracking.
    await hybrid.set('seen', 'old', 60);
    await fixture.raw.set('shop:1:seen', JSON.stringify('new'));
    await until(
      async () => (await hybrid.get('seen')) === 'new',
      'the foreign write to be seen',
      BUS_STALENESS_BOUND_MS + 1000,
    );
    // Heartbeats and probes ran meanwhile too.
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(await fixture.raw.call('ACL', 'LOG')).toEqual([]);
  } finally {
    await fixture.raw.call('ACL', 'DELUSER', 'ideagraph-cache');
  }
});
