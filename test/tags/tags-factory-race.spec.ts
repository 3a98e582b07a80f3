import type { CacheManagerService } from '../../src';
import { redisAppFixture } from '../helpers/redis-app-fixture';
import { until } from '../helpers/until';

const fixture = redisAppFixture();

/** A factory that reads `source` at once, then waits for the test before it returns what it read. */
function racingFactory(source: () => string) {
  let finish!: () => void;
  let started!: () => void;
  const release = new Promise<void>((resolve) => (finish = resolve));
  const running = new Promise<void>((resolve) => (started = resolve));
  const factory = async () => {
    const read = source();
    started();
    await release;
    return read;
  };
  return { factory, running, finish };
}

/**
 * A is computing with "Ada" when B, another service on the same Redis, writes "Grace" to the
 * source and invalidates the tag. Waits until A has heard of the invalidation (on hybrid its
 * L1 drops the tag's version), so that only the stamp of A's result decides what is fresh.
 */
async function invalidateWhileComputing(
  a: CacheManagerService,
  b: CacheManagerService,
  running: Promise<void>,
  change: () => void,
): Promise<void> {
  await a.set('probe', 'before', 60, { tags: ['users'] });
  await running;
  change();
  expect(await b.invalidateTags(['users'])).toBe(true);
  await until(async () => (await a.get('probe')) === undefined, 'A to see the invalidation');
}

describe.each(['redis', 'hybrid'] as const)(
  'tags and a factory racing invalidateTags on %s, two services on one Redis',
  (backend) => {
    it('getOrSet: a result computed across invalidateTags is returned to its caller, but never fresh after it', async () => {
      const a = await fixture.cacheOn(backend);
      const b = await fixture.cacheOn(backend);
      let source = 'Ada';
      const race = racingFactory(() => source);
      const computing = a.getOrSet('user:1', race.factory, 60, { tags: ['users'] });
      await invalidateWhileComputing(a, b, race.running, () => (source = 'Grace'));
      race.finish();
      expect(await computing).toBe('Ada');

      expect(await a.get('user:1')).toBeUndefined();
      expect(await b.get('user:1')).toBeUndefined();
      expect(await b.getOrSet('user:1', () => source, 60, { tags: ['users'] })).toBe('Grace');
      expect(await a.getOrSet('user:1', () => source, 60, { tags: ['users'] })).toBe('Grace');
    });

    it('getOrSetMany: the same for every key its factory computed', async () => {
      const a = await fixture.cacheOn(backend);
      const b = await fixture.cacheOn(backend);
      let source = 'Ada';
      const race = racingFactory(() => source);
      const computing = a.getOrSetMany(
        ['user:1', 'user:2'],
        async (missing) => {
          const read = await race.factory();
          return Object.fromEntries(missing.map((key) => [key, read]));
        },
        60,
        { tags: ['users'] },
      );
      await invalidateWhileComputing(a, b, race.running, () => (source = 'Grace'));
      race.finish();
      expect(await computing).toEqual({ 'user:1': 'Ada', 'user:2': 'Ada' });

      expect(await a.getMany(['user:1', 'user:2'])).toEqual({});
      expect(await b.getMany(['user:1', 'user:2'])).toEqual({});
      const fresh = (missing: string[]) => Object.fromEntries(missing.map((key) => [key, source]));
      expect(await b.getOrSetMany(['user:1', 'user:2'], fresh, 60, { tags: ['users'] })).toEqual({
        'user:1': 'Grace',
        'user:2': 'Grace',
      });
    });

    it('a factory that starts after invalidateTags returned stores a result that stays fresh', async () => {
      const a = await fixture.cacheOn(backend);
      const b = await fixture.cacheOn(backend);
      await a.set('probe', 'before', 60, { tags: ['users'] });
      expect(await b.invalidateTags(['users'])).toBe(true);
      await until(async () => (await a.get('probe')) === undefined, 'A to see the invalidation');
      expect(await a.getOrSet('user:1', () => 'Grace', 60, { tags: ['users'] })).toBe('Grace');
      expect(await a.get('user:1')).toBe('Grace');
      await until(async () => (await b.get('user:1')) === 'Grace', 'B to read it');
    });
  },
);
