import { makeKeyPrefix } from '../../src/keys/cache-key';
import { connectRawIoredis } from '../baselines/raw-ioredis';
import { AnswerCheck } from '../support/answer-check';
import { faultsFrom } from '../support/backend-faults';
import { fillKeys } from '../support/fill';
import { startCacheContext } from '../support/cache-app';
import { joinProblems, pairRow } from '../support/pair-row';
import { payload } from '../support/payload';
import { measureInRounds } from '../support/rounds';
import type { Row } from '../support/row';
import type { BenchSettings } from '../support/settings';

const SECTION = 'getOrSetMany, 1000 keys per call with half of them missing, one call at a time';
const KEYS = 1000;
const TIMEOUT_SECONDS = 300;

/**
 * getOrSetMany of 1000 keys, 500 of them missing, against getMany of the same keys in the
 * same state: one read, a factory call for the 500 and one write of them, against the read
 * alone. The missing half is deleted before every call, outside the timed part, so every
 * call of either side starts from the same state.
 */
export async function getOrSetManyRows(port: number, settings: BenchSettings): Promise<Row[]> {
  const { cache, context } = await startCacheContext({ backend: 'redis', redis: { host: '127.0.0.1', port } });
  const raw = await connectRawIoredis('127.0.0.1', port);
  try {
    const keys = Array.from({ length: KEYS }, (_, i) => `gosm:${i}`);
    // Every other key: the missing ones are spread over the batch, as in a real page of results.
    const present = keys.filter((_, i) => i % 2 === 0);
    const missing = keys.filter((_, i) => i % 2 === 1);
    const values = new Map(keys.map((key, i) => [key, payload(i)]));
    await fillKeys(1, () => cache.setMany(Object.fromEntries(present.map((key) => [key, values.get(key)]))));
    // Deleted with a client of its own, unbounded: a DEL cut off by the module's 200 ms
    // bound on a stalled machine would leave the keys present, and the next call all hits.
    const { keyPrefix, version } = cache.getBackendInfo();
    const missingStoreKeys = missing.map((key) => makeKeyPrefix(keyPrefix, version) + key);
    const dropMissing = async (): Promise<void> => {
      await raw.del(missingStoreKeys);
    };

    const check = new AnswerCheck();
    // How many keys the wrong answers had, per contender: a fallback finds none, a stray write more than it should.
    const wrongCounts = new Map<string, Map<number, number>>();
    const expectCount = (name: string, call: Promise<Record<string, unknown>>, right: number): Promise<number> =>
      check.expect(
        name,
        call.then((found) => Object.keys(found).length),
        (count) => {
          if (count === right) return true;
          const counts = wrongCounts.get(name) ?? wrongCounts.set(name, new Map()).get(name)!;
          counts.set(count, (counts.get(count) ?? 0) + 1);
          return false;
        },
      );
    const wrongFactoryCalls = { count: 0 };
    const factory = (asked: string[]): Record<string, unknown> => {
      if (asked.length !== missing.length) wrongFactoryCalls.count++;
      return Object.fromEntries(asked.map((key) => [key, values.get(key)]));
    };
    const faults = faultsFrom(cache);
    const measured = await measureInRounds(
      [
        {
          name: 'getOrSetMany',
          opsPerCall: 1,
          beforeEach: dropMissing,
          run: () => expectCount('getOrSetMany', cache.getOrSetMany(keys, factory, TIMEOUT_SECONDS), KEYS),
        },
        {
          name: 'getMany',
          opsPerCall: 1,
          beforeEach: dropMissing,
          run: () => expectCount('getMany', cache.getMany(keys), present.length),
        },
      ],
      settings.getOrSet.rounds,
    );
    const wrong = joinProblems(
      wrongFactoryCalls.count > 0
        ? `the factory was asked for other than the ${missing.length} missing keys ${wrongFactoryCalls.count} times`
        : undefined,
      check.problem('getOrSetMany', 'getMany'),
      ...[...wrongCounts].map(
        ([name, counts]) =>
          `${name} found ${[...counts].map(([count, times]) => `${count} keys ${times} times`).join(', ')}`,
      ),
    );
    // A write cut off by its bound leaves the answer right and the call slower, not faster:
    // it invalidates nothing by itself, but the row says so.
    const cutOff = faults();
    return [
      pairRow({
        section: SECTION,
        measured,
        ours: 'getOrSetMany',
        baseline: 'getMany',
        unit: 'ms',
        measurement: `CacheManagerService.getOrSetMany(${KEYS} keys, ${missing.length} missing), CACHE_BACKEND=redis`,
        baselineName: `CacheManagerService.getMany of the same ${KEYS} keys, the same ${missing.length} missing`,
        minSpeed: 1 / 2,
        targetText: 'time ≤ 2× (speed ≥ 0.5×)',
        note: [
          `time per call; the factory answers from memory; the ${missing.length} keys are deleted before each call, untimed`,
          ...(!wrong && cutOff ? [`${cutOff}, each waiting out its bound`] : []),
        ].join('; '),
        problem: joinProblems(wrong, wrong && cutOff),
      }),
    ];
  } finally {
    await context.close();
    raw.disconnect();
  }
}
