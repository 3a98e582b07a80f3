import type { CacheManagerService } from '../../src';
import { AnswerCheck } from '../support/answer-check';
import { faultsFrom } from '../support/backend-faults';
import { startCacheContext } from '../support/cache-app';
import { FactoryRuns } from '../support/factory-runs';
import { fillKeys } from '../support/fill';
import { inFlightBatches } from '../support/in-flight-batches';
import { joinProblems, pairRow } from '../support/pair-row';
import { payload } from '../support/payload';
import { measureInRounds } from '../support/rounds';
import type { Row } from '../support/row';
import type { BenchSettings } from '../support/settings';

export const HOT_KEY_SECTION = 'getOrSet on a hot key (present, so the factory never runs), 100 in flight';
const HOT_KEY = 'hot:item';
/** Seconds, as a caller passes it; the key was stored with the default timeout and is far from expiring. */
const TIMEOUT = 300;

/**
 * getOrSet on a key that is present against a get of the same key, on locmem and on redis:
 * what the single-flight bookkeeping and the policy cost on the path every hit takes.
 */
export async function getOrSetHotKeyRows(port: number, settings: BenchSettings): Promise<Row[]> {
  const locmem = await startCacheContext({ backend: 'locmem' });
  const redis = await startCacheContext({ backend: 'redis', redis: { host: '127.0.0.1', port } });
  try {
    return [await hotKeyRow('locmem', locmem.cache, settings), await hotKeyRow('redis', redis.cache, settings)];
  } finally {
    await locmem.context.close();
    await redis.context.close();
  }
}

async function hotKeyRow(backend: string, cache: CacheManagerService, settings: BenchSettings): Promise<Row> {
  const value = payload(1);
  await fillKeys(1, () => cache.set(HOT_KEY, value));
  const runs = new FactoryRuns();
  const factory = runs.factory(value);
  const check = new AnswerCheck();
  const found = (read: unknown): boolean => read !== undefined && read !== null;
  const faults = faultsFrom(cache);
  const measured = await measureInRounds(
    [
      inFlightBatches('getOrSet', settings, () =>
        check.expect('getOrSet', cache.getOrSet(HOT_KEY, factory, TIMEOUT), found),
      ),
      inFlightBatches('get', settings, () => check.expect('get', cache.get(HOT_KEY), found)),
    ],
    settings.getOrSet.rounds,
  );
  return pairRow({
    section: HOT_KEY_SECTION,
    measured,
    ours: 'getOrSet',
    baseline: 'get',
    measurement: `CacheManagerService.getOrSet, CACHE_BACKEND=${backend}`,
    baselineName: `CacheManagerService.get of the same key, CACHE_BACKEND=${backend}`,
    minSpeed: 0.9,
    problem: joinProblems(runs.problem('getOrSet'), check.problem('getOrSet', 'get'), faults()),
  });
}
