import { LRUCache } from 'lru-cache';
import { createMemoryCache } from '../baselines/cache-manager-memory';
import { decodeValue, encodeValue } from '../../src/codec/value-codec';
import { AnswerCheck } from '../support/answer-check';
import { startCacheContext } from '../support/cache-app';
import { payload } from '../support/payload';
import { measureInRounds } from '../support/rounds';
import { makeRow, perSecond, type Row } from '../support/row';
import type { BenchSettings } from '../support/settings';
import { median } from '../support/stats';

const SECTION = 'locmem (in-process), one call at a time';
/** Operations per measured call: enough to make tinybench's own cost per call negligible. */
const LOOP = 1000;
const TTL_MS = 300_000;
/** Half the default entry cap: every read must hit, and a sequential sweep over more keys than the cap would miss every time. */
const KEY_SPACE = 5000;

/**
 * get and set on locmem against cache-manager 7's default in-memory store, getOrSet on a
 * hot key against a plain get, and what the copy on every read costs.
 */
export async function locmemRows(settings: BenchSettings): Promise<Row[]> {
  const ours = await startCacheContext({ backend: 'locmem' });
  const frozen = await startCacheContext({ backend: 'locmem', l1: { values: 'frozen' } });
  const theirs = createMemoryCache();
  // The least work that gives locmem's guarantees: the encoded text in a bounded LRU with a
  // TTL, and a fresh copy (JSON.parse) per read. Held to the same entry bound.
  const leanest = new LRUCache<string, string>({ max: 10_000, ttl: TTL_MS, ttlResolution: 0 });
  try {
    const values = Array.from({ length: KEY_SPACE }, (_, i) => payload(i));
    for (let i = 0; i < KEY_SPACE; i++) {
      await ours.cache.set(`item:${i}`, values[i]);
      await frozen.cache.set(`item:${i}`, values[i]);
      await theirs.set(`item:${i}`, values[i], TTL_MS);
      leanest.set(`item:${i}`, JSON.stringify(values[i]));
    }
    await ours.cache.set('hot', values[0]);
    const storedText = encodeValue(values[0]);
    const theirsCopies = (await theirs.get('item:1')) !== (await theirs.get('item:1'));
    const oursCopies = (await ours.cache.get('item:1')) !== (await ours.cache.get('item:1'));

    const check = new AnswerCheck();
    const found = (value: unknown): boolean => value !== undefined && value !== null;
    let cursor = 0;
    const loop = (name: string, op: (i: number) => Promise<unknown>) => ({
      name,
      opsPerCall: LOOP,
      run: async () => {
        for (let n = 0; n < LOOP; n++) await op(cursor++ % KEY_SPACE);
      },
    });
    const measured = await measureInRounds(
      [
        loop('ours get', (i) => check.expect('ours get', ours.cache.get(`item:${i}`), found)),
        loop('theirs get', (i) => check.expect('theirs get', theirs.get(`item:${i}`), found)),
        loop('frozen get', (i) => check.expect('frozen get', frozen.cache.get(`item:${i}`), found)),
        loop('leanest get', (i) => {
          const text = leanest.get(`item:${i}`);
          return check.expect('leanest get', Promise.resolve(text === undefined ? undefined : JSON.parse(text)), found);
        }),
        loop('ours set', (i) => check.expect('ours set', ours.cache.set(`item:${i}`, values[i]), (ok) => ok)),
        loop('theirs set', (i) => check.expect('theirs set', theirs.set(`item:${i}`, values[i], TTL_MS), found)),
        loop('ours getOrSet hot', () =>
          check.expect(
            'ours getOrSet hot',
            ours.cache.getOrSet('hot', () => values[0]),
            found,
          ),
        ),
        loop('ours get hot', () => check.expect('ours get hot', ours.cache.get('hot'), found)),
        {
          name: 'copy',
          opsPerCall: LOOP,
          run: () => {
            for (let n = 0; n < LOOP; n++) decodeValue(storedText);
          },
        },
      ],
      settings.rounds,
    );
    const of = (name: string): number[] => perSecond(measured.ms(name));
    const cpuUs = (ours: string, baseline?: string) => ({
      ours: measured.cpuUs(ours),
      baseline: baseline ? measured.cpuUs(baseline) : undefined,
    });
    const copyNs = median(measured.ms('copy')) * 1e6;
    const getNs = median(measured.ms('ours get')) * 1e6;
    return [
      makeRow({
        section: SECTION,
        measurement: 'CacheManagerService.get',
        unit: 'ops/s',
        ours: of('ours get'),
        baselineName:
          'lru-cache 11 holding the same JSON text, with a JSON.parse copy per read (the least work for the same guarantee)',
        baseline: of('leanest get'),
        minSpeed: 0.8,
        note: `${oursCopies ? 'a fresh copy per read' : 'NO copy'}; the copy (JSON.parse of the stored text) costs ${Math.round(copyNs)} ns of the ${Math.round(getNs)} ns per get`,
        problem: check.problem('ours get', 'leanest get'),
        cpuUs: cpuUs('ours get', 'leanest get'),
      }),
      makeRow({
        section: SECTION,
        measurement: 'CacheManagerService.get, CACHE_L1_VALUES=frozen',
        unit: 'ops/s',
        ours: of('frozen get'),
        baselineName:
          'lru-cache 11 holding the same JSON text, with a JSON.parse copy per read (the least work for the same guarantee)',
        baseline: of('leanest get'),
        minSpeed: 2,
        note: 'one frozen value per stored text, the same for every read: no copy',
        problem: check.problem('frozen get', 'leanest get'),
        cpuUs: cpuUs('frozen get', 'leanest get'),
      }),
      makeRow({
        section: SECTION,
        measurement: 'CacheManagerService.get',
        unit: 'ops/s',
        ours: of('ours get'),
        baselineName: `cache-manager 7 default in-memory store (${theirsCopies ? 'copies' : 'hands out the stored object, no copy'})`,
        baseline: of('theirs get'),
        problem: check.problem('ours get', 'theirs get'),
        cpuUs: cpuUs('ours get', 'theirs get'),
      }),
      makeRow({
        section: SECTION,
        measurement: 'CacheManagerService.set',
        unit: 'ops/s',
        ours: of('ours set'),
        baselineName: 'cache-manager 7 default in-memory store',
        baseline: of('theirs set'),
        note: 'ours encodes to text on every write, so no caller can change a stored value',
        problem: check.problem('ours set', 'theirs set'),
        cpuUs: cpuUs('ours set', 'theirs set'),
      }),
      makeRow({
        section: SECTION,
        measurement: 'CacheManagerService.getOrSet, hot key',
        unit: 'ops/s',
        ours: of('ours getOrSet hot'),
        baselineName: 'CacheManagerService.get of the same key',
        baseline: of('ours get hot'),
        problem: check.problem('ours getOrSet hot', 'ours get hot'),
        cpuUs: cpuUs('ours getOrSet hot', 'ours get hot'),
      }),
    ];
  } finally {
    await ours.context.close();
    await frozen.context.close();
    await theirs.disconnect();
  }
}
