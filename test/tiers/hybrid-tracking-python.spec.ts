import type { CacheManagerService } from '../../src';
import { BUS_STALENESS_BOUND_MS } from '../../src/bus/bus-timing';
import { pythonWrites } from '../helpers/python-foreign-writer';
import { redisAppFixture } from '../helpers/redis-app-fixture';
import { until } from '../helpers/until';

/**
 * A Python process with redis-py writes the keys two hybrid processes hold in L1, as
 * another service or IdeaGraph's Django app would: it never publishes anything, so only
 * Redis's own reports (CACHE_L1_INVALIDATION=tracking) can tell the L1s.
 */
const fixture = redisAppFixture();
const BOUND_MS = BUS_STALENESS_BOUND_MS + 1000;
const json = (value: unknown) => JSON.stringify(value);

async function twoHolding(
  env: Record<string, string>,
  keys: Record<string, unknown>,
  write: (key: string, value: unknown) => Promise<unknown>,
): Promise<CacheManagerService[]> {
  const caches = [
    await fixture.cacheOn('hybrid', { CACHE_L1_INVALIDATION: 'tracking', ...env }),
    await fixture.cacheOn('hybrid', { CACHE_L1_INVALIDATION: 'tracking', ...env }),
  ];
  for (const [key, value] of Object.entries(keys)) await write(key, value);
  for (const cache of caches) {
    for (const [key, value] of Object.entries(keys)) {
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
  }
  return caches;
}

async function seenByAll(caches: CacheManagerService[], key: string, expected: unknown): Promise<void> {
  await Promise.all(
    caches.map((cache, i) =>
      until(async () => (await cache.get(key)) === expected, `process ${i} to see ${String(expected)}`, BOUND_MS),
    ),
  );
}

const cases: [string, (string | number)[][], string, unknown][] = [
  ['SET', [['set', ':1:k', json('py')]], 'k', 'py'],
  ['DEL', [['delete', ':1:k']], 'k', undefined],
  ['EXPIRE', [['expire', ':1:k', 0]], 'k', undefined],
  ['PEXPIRE', [['pexpire', ':1:k', 1]], 'k', undefined],
  ['RENAME', [['rename', ':1:k', ':1:moved']], 'k', undefined],
  ['MSET', [['mset', ':1:k', json('m1'), ':1:other', json('m2')]], 'k', 'm1'],
  ['MULTI/EXEC', [['multi', ':1:k', json('tx'), ':1:other']], 'k', 'tx'],
  ['EVAL', [['eval', ':1:k', json('lua')]], 'k', 'lua'],
];

it.each(cases)('redis-py %s is seen by every hybrid process within the bound', async (_name, ops, key, expected) => {
  const caches = await twoHolding({}, { k: 'old', other: 'old' }, (k, v) =>
    fixture.raw.set(`:1:${k}`, json(v), 'EX', 300),
  );
  await pythonWrites(fixture.redis, ops);
  await seenByAll(caches, key, expected);
});

it("with CACHE_VALUE_FORMAT=django, a value Python pickles as Django's cache.set does is seen at once, not after CACHE_L1_TIMEOUT", async () => {
  const django = { CACHE_VALUE_FORMAT: 'django' };
  const caches = await twoHolding(django, { setting: 'old' }, (k, v) =>
    pythonWrites(fixture.redis, [['set', `:1:${k}`, json(v)]], { pickle: true }),
  );
  await pythonWrites(fixture.redis, [['set', ':1:setting', json('changed in the Django UI')]], { pickle: true });
  await seenByAll(caches, 'setting', 'changed in the Django UI');
});
