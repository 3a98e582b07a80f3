import { CacheBindings, DEFAULT_CACHE_NAME } from '../../src/decorators/cache-bindings';
import { AnswerCheck } from '../support/answer-check';
import { ITEM_TIMEOUT_SECONDS, startDecoratedApp } from '../support/decorated-app';
import { FactoryRuns } from '../support/factory-runs';
import { fillKeys } from '../support/fill';
import { inFlightBatches } from '../support/in-flight-batches';
import { joinProblems, pairRow } from '../support/pair-row';
import { payload } from '../support/payload';
import { measureInRounds } from '../support/rounds';
import type { Row } from '../support/row';
import type { BenchSettings } from '../support/settings';
import { HOT_KEY_SECTION } from './getorset-hot-key';

const ITEM_ID = 7;

/**
 * A @Cacheable method on a hit against cache.getOrSet of the same key on the same cache:
 * what the decorator adds (finding its cache, filling the key template) to the call it makes.
 */
export async function getOrSetDecoratorRows(settings: BenchSettings): Promise<Row[]> {
  const { cache, repository, context } = await startDecoratedApp({ backend: 'locmem' });
  try {
    const key = `item:${ITEM_ID}`;
    const value = payload(ITEM_ID);
    await fillKeys(1, () => cache.set(key, value));
    const runs = new FactoryRuns();
    const factory = runs.factory(value);
    const check = new AnswerCheck();
    const found = (read: unknown): boolean => read !== undefined && read !== null;
    const measured = await measureInRounds(
      [
        inFlightBatches('decorated', settings, () => check.expect('decorated', repository.find(ITEM_ID), found)),
        inFlightBatches('getOrSet', settings, () =>
          check.expect('getOrSet', cache.getOrSet(key, factory, ITEM_TIMEOUT_SECONDS), found),
        ),
      ],
      settings.getOrSet.rounds,
    );
    // Without a cache the decorator runs the method every time: a fast figure, but not of a hit.
    const unbound = CacheBindings.find(repository, DEFAULT_CACHE_NAME)
      ? undefined
      : 'no cache reached @Cacheable (none bound to the provider, none registered)';
    const ran = repository.loads > 0 ? `the @Cacheable method body ran ${repository.loads} times: not hits` : undefined;
    return [
      pairRow({
        section: HOT_KEY_SECTION,
        measured,
        ours: 'decorated',
        baseline: 'getOrSet',
        measurement:
          "@Cacheable({ key: 'item:{0}' }) method on a hit, a provider of an app importing IdeaGraphCacheModule, CACHE_BACKEND=locmem",
        baselineName: 'CacheManagerService.getOrSet of the same key, same cache',
        minSpeed: 0.9,
        problem: joinProblems(unbound, ran, runs.problem('getOrSet'), check.problem('decorated', 'getOrSet')),
      }),
    ];
  } finally {
    await context.close();
  }
}
