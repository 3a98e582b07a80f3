import type { CacheManagerService } from '../../src';
import { createBentoCache } from '../baselines/bentocache';
import { connectRawIoredis } from '../baselines/raw-ioredis';
import { AnswerCheck } from '../support/answer-check';
import { faultsFrom } from '../support/backend-faults';
import { busLive } from '../support/bus-live';
import { startCacheContext } from '../support/cache-app';
import { FactoryRuns } from '../support/factory-runs';
import { fillKeys } from '../support/fill';
import { hybridCacheOptions, L1_MAX_ENTRIES } from '../support/hybrid-options';
import { inFlightBatches } from '../support/in-flight-batches';
import { joinProblems, pairRow } from '../support/pair-row';
import { payload } from '../support/payload';
import { keyCommandsDuring } from '../support/redis-command-count';
import { measureInRounds } from '../support/rounds';
import type { Row } from '../support/row';
import type { BenchSettings } from '../support/settings';
import { HOT_KEY_SECTION } from './getorset-hot-key';

const HOT_KEY = 'hot:item';
const TIMEOUT_SECONDS = 300;
/** Calls in the pass that checks the L1 hits: one in a hundred reaching Redis would already show. */
const L1_CHECK_CALLS = 2000;

/**
 * The hybrid backend's getOrSet on an L1 hit against BentoCache's getOrSet on an L1 hit
 * (memory L1, Redis L2, Redis bus), the same key read in the same rounds. Both are checked
 * to have answered from L1: Redis hears no key command during a pass of them.
 */
export async function getOrSetHybridRows(port: number, settings: BenchSettings): Promise<Row[]> {
  const hybrid = await startCacheContext(hybridCacheOptions(port));
  const bento = createBentoCache('127.0.0.1', port, L1_MAX_ENTRIES);
  const raw = await connectRawIoredis('127.0.0.1', port);
  try {
    await busLive(hybrid.cache);
    const value = payload(1);
    const runs = { hybrid: new FactoryRuns(), bento: new FactoryRuns() };
    const factories = { hybrid: runs.hybrid.factory(value), bento: runs.bento.factory(value) };
    const keys = { hybrid: `hy:${HOT_KEY}`, bento: `bento:${HOT_KEY}` };
    await fillKeys(1, () => hybrid.cache.set(keys.hybrid, value));
    await bento.set({ key: keys.bento, value });
    const check = new AnswerCheck();
    const found = (read: unknown): boolean => read !== undefined && read !== null;
    const calls = {
      hybrid: () =>
        check.expect('hybrid', hybrid.cache.getOrSet(keys.hybrid, factories.hybrid, TIMEOUT_SECONDS), found),
      bento: () =>
        check.expect(
          'bento',
          bento.getOrSet({ key: keys.bento, factory: factories.bento, ttl: TIMEOUT_SECONDS * 1000 }),
          found,
        ),
    };
    // Whether a write leaves the writer's own L1 filled is each cache's choice; one read fills it either way.
    await calls.hybrid();
    await calls.bento();

    const outagesBefore = busOutages(hybrid.cache);
    const faults = faultsFrom(hybrid.cache);
    const measured = await measureInRounds(
      [inFlightBatches('hybrid', settings, calls.hybrid), inFlightBatches('bento', settings, calls.bento)],
      settings.getOrSet.rounds,
    );
    const reached = {
      hybrid: await keyCommandsDuring(raw, L1_CHECK_CALLS, calls.hybrid),
      bento: await keyCommandsDuring(raw, L1_CHECK_CALLS, calls.bento),
    };
    const outages = busOutages(hybrid.cache) - outagesBefore;
    return [
      pairRow({
        section: HOT_KEY_SECTION,
        measured,
        ours: 'hybrid',
        baseline: 'bento',
        measurement: 'CacheManagerService.getOrSet, CACHE_BACKEND=hybrid, L1 hit',
        baselineName: `BentoCache 1.6 getOrSet of the same key, L1 hit (memory L1 of ${L1_MAX_ENTRIES} items, Redis L2, Redis bus)`,
        minSpeed: 3,
        note: `Redis key commands during ${L1_CHECK_CALLS} more calls: ${reached.hybrid} ours, ${reached.bento} BentoCache`,
        problem: joinProblems(
          outages > 0 ? `the hybrid's bus was lost ${outages} times during the rounds` : undefined,
          l1Problem('hybrid getOrSet', reached.hybrid),
          l1Problem('BentoCache getOrSet', reached.bento),
          runs.hybrid.problem('the hybrid getOrSet'),
          runs.bento.problem('BentoCache getOrSet'),
          check.problem('hybrid', 'bento'),
          faults(),
        ),
      }),
    ];
  } finally {
    await hybrid.context.close();
    await bento.disconnectAll();
    raw.disconnect();
  }
}

function busOutages(cache: CacheManagerService): number {
  return cache.getStats().tiers?.bus.outages ?? 0;
}

function l1Problem(what: string, reached: number): string | undefined {
  return reached > L1_CHECK_CALLS / 100
    ? `${reached} Redis commands during ${L1_CHECK_CALLS} calls of ${what}: not L1 hits`
    : undefined;
}
