import { CacheKeyError } from '../../src';
import { redisAppFixture } from '../helpers/redis-app-fixture';
import { until } from '../helpers/until';

const fixture = redisAppFixture();
const { cacheOn } = fixture;

describe.each(['locmem', 'redis', 'hybrid'] as const)('tags on %s', (backend) => {
  it('invalidateTags makes every entry carrying one of the tags a miss, and leaves the others', async () => {
    const cache = await cacheOn(backend);
    await cache.set('user:42:profile', { name: 'Ada' }, 60, { tags: ['user:42'] });
    await cache.setMany({ 'user:42:orders': [1, 2], 'user:7:orders': [3] }, 60, { tags: ['orders'] });
    await cache.set('user:42:avatar', 'png', 60, { tags: ['user:42', 'images'] });
    await cache.set('untagged', 'stays');
    await cache.getOrSet('user:42:report', () => 'r', 60, { tags: ['user:42'] });
    expect(
      await cache.getMany(['user:42:profile', 'user:42:orders', 'user:42:avatar', 'untagged', 'user:42:report']),
    ).toEqual({
      'user:42:profile': { name: 'Ada' },
      'user:42:orders': [1, 2],
      'user:42:avatar': 'png',
      untagged: 'stays',
      'user:42:report': 'r',
    });
    expect(await cache.invalidateTags(['user:42'])).toBe(true);
    expect(await cache.get('user:42:profile')).toBeUndefined();
    expect(await cache.get('user:42:avatar')).toBeUndefined();
    expect(await cache.ttl('user:42:profile')).toBeUndefined();
    expect(await cache.getMany(['user:42:profile', 'user:42:orders', 'user:7:orders', 'untagged'])).toEqual({
      'user:42:orders': [1, 2],
      'user:7:orders': [3],
      untagged: 'stays',
    });
    expect(await cache.getOrSet('user:42:report', () => 'recomputed', 60, { tags: ['user:42'] })).toBe('recomputed');
    // Written again after the invalidation: valid again.
    await cache.set('user:42:profile', { name: 'Ada L.' }, 60, { tags: ['user:42'] });
    expect(await cache.get('user:42:profile')).toEqual({ name: 'Ada L.' });
    expect(await cache.ttl('user:42:profile')).toBeGreaterThan(50);
  });

  it('within getOrSet grace an invalidated entry is stale: the fallback if the factory fails', async () => {
    const cache = await cacheOn(backend);
    await cache.getOrSet('k', () => 'old', 60, { tags: ['t'], grace: 60 });
    await cache.invalidateTags(['t']);
    expect(await cache.get('k')).toBeUndefined();
    expect(await cache.getOrSet('k', () => Promise.reject(new Error('down')), 60, { tags: ['t'], grace: 60 })).toBe(
      'old',
    );
  });

  it('refuses bad tags with a typed error before anything is written', async () => {
    const cache = await cacheOn(backend);
    await expect(cache.set('k', 1, 60, { tags: [''] })).rejects.toBeInstanceOf(CacheKeyError);
    await expect(cache.set('k', 1, 60, { tags: ['with\nnewline'] })).rejects.toBeInstanceOf(CacheKeyError);
    await expect(cache.invalidateTags([7 as unknown as string])).rejects.toBeInstanceOf(CacheKeyError);
    expect(await cache.exists('k')).toBe(false);
  });
});

describe('tags as stored', () => {
  it('an untagged value stays plain JSON; a tagged one records the versions of its tags', async () => {
    const cache = await cacheOn('redis');
    await cache.set('plain', { a: 1 });
    await cache.set('tagged', { a: 2 }, 60, { tags: ['x'] });
    expect(await fixture.raw.get(':1:plain')).toBe('{"a":1}');
    const version = await fixture.raw.get(':1:~tag:x');
    expect(version).toMatch(/^"[\w-]+"$/);
    const stored = (await fixture.raw.get(':1:tagged'))!;
    const [header, value] = stored.slice('~ige:'.length).split('\n');
    expect(stored.startsWith('~ige:')).toBe(true);
    expect(JSON.parse(header)).toEqual({
      b: expect.any(Number),
      f: expect.any(Number),
      s: expect.any(Number),
      t: { x: version },
    });
    expect(value).toBe('{"a":2}');
  });

  it('a tag version that is gone (evicted, cleared) invalidates its entries rather than resurrecting them', async () => {
    const cache = await cacheOn('redis');
    await cache.set('tagged', 1, 60, { tags: ['x'] });
    await fixture.raw.del(':1:~tag:x');
    expect(await cache.get('tagged')).toBeUndefined();
  });

  it('a failed invalidation is made good by the recovery once Redis answers: the tagged entry is never served again', async () => {
    const cache = await cacheOn('redis', { REDIS_COMMAND_TIMEOUT_MS: '200' });
    await cache.set('tagged', 1, 600, { tags: ['x'] });
    fixture.redis.pause();
    try {
      expect(await cache.invalidateTags(['x'])).toBe(false);
    } finally {
      fixture.redis.resume();
    }
    const deadline = Date.now() + 5000;
    while (cache.getStats().recovery.pending > 0 && Date.now() < deadline) {
      await cache.exists('probe');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(cache.getStats().recovery.pending).toBe(0);
    expect(await cache.get('tagged')).toBeUndefined();
  });
});

describe('tagged reads on hybrid', () => {
  it('an L1 hit checks its tags in L1 as well: no guarded read of the versions per get, and an invalidation is still seen at once', async () => {
    const cache = await cacheOn('hybrid');
    await cache.set('tagged', { a: 1 }, 60, { tags: ['x', 'y'] });
    // The first reads fill this L1 with the tags' versions.
    await until(async () => {
      await cache.get('tagged');
      const versionReads = cache.getStats().latency.getMany?.count ?? 0;
      await cache.get('tagged');
      return (cache.getStats().latency.getMany?.count ?? 0) === versionReads;
    }, 'the versions to be in L1');
    const versionReads = cache.getStats().latency.getMany?.count ?? 0;
    const l2Hits = cache.getStats().tiers!.l2Hits;
    for (let i = 0; i < 50; i++) expect(await cache.get('tagged')).toEqual({ a: 1 });
    expect(await cache.getMany(['tagged'])).toEqual({ tagged: { a: 1 } });
    // The getMany is one call of its own; the 50 gets and its tag check added none.
    expect((cache.getStats().latency.getMany?.count ?? 0) - versionReads).toBe(1);
    expect(cache.getStats().tiers!.l2Hits).toBe(l2Hits);

    expect(await cache.invalidateTags(['y'])).toBe(true);
    expect(await cache.get('tagged')).toBeUndefined();
    expect(await cache.getMany(['tagged'])).toEqual({});
  });
});

describe('tagged reads on redis', () => {
  async function commandCalls(name: string): Promise<number> {
    const info = await fixture.raw.info('commandstats');
    return Number(new RegExp(`^cmdstat_${name}:calls=(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  }

  it('concurrent tagged gets share their version reads, and each still gets its own verdict', async () => {
    const cache = await cacheOn('redis');
    const keys = Array.from({ length: 100 }, (_, i) => `item:${i}`);
    for (const [i, key] of keys.entries()) await cache.set(key, i, 60, { tags: [i % 2 === 0 ? 'even' : 'odd', 'all'] });
    expect(await cache.invalidateTags(['odd'])).toBe(true);
    const mgetsBefore = await commandCalls('mget');
    const values = await Promise.all(keys.map((key) => cache.get(key)));
    const versionReads = (await commandCalls('mget')) - mgetsBefore;
    expect(values).toEqual(keys.map((_, i) => (i % 2 === 0 ? i : undefined)));
    // One read of the versions per batch of replies, where each get used to send its own: 100.
    expect(versionReads).toBeGreaterThanOrEqual(1);
    expect(versionReads).toBeLessThan(keys.length / 2);
  });

  it('a stored tag name that could not be a tag (hostile text in Redis) reads as a miss, not as an error', async () => {
    const cache = await cacheOn('redis');
    await cache.set('fine', 'v', 60, { tags: ['t'] });
    const header = JSON.stringify({
      b: Date.now(),
      f: Date.now() + 60_000,
      s: Date.now() + 60_000,
      t: { '\u0001bad': 'x' },
    });
    await fixture.raw.set(':1:hostile', `~ige:${header}\n"v"`);
    expect(await cache.get('hostile')).toBeUndefined();
    expect(await Promise.all([cache.get('hostile'), cache.get('fine')])).toEqual([undefined, 'v']);
    expect(await cache.getMany(['hostile', 'fine'])).toEqual({ fine: 'v' });
  });
});
