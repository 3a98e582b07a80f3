import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheManagerService } from '../../../src/service/cache-manager.service';
import type { BurstOutcome, CallerBurst } from './caller-protocol';

/** What the factory of a burst may do besides sleeping: tell the parent it started, and wait for its word to finish. */
export interface FactoryControl {
  started(key: string): void;
  finished(key: string): Promise<void>;
}

/**
 * Starts `burst.callers` getOrSet calls of one cold key at `burst.startAt`, all at once,
 * and reports what they got. The factory counts its own invocations, so the parent can sum
 * them over the fleet without trusting the counters under test.
 */
export async function runCallerBurst(
  cache: CacheManagerService,
  worker: number,
  burst: CallerBurst,
  control: FactoryControl,
): Promise<BurstOutcome> {
  await sleep(Math.max(0, burst.startAt - Date.now()));
  const before = cache.getStats().getOrSet;
  let factoryCalls = 0;
  const factory = async () => {
    const call = ++factoryCalls;
    if (burst.factory.kind === 'sleep') await sleep(burst.factory.ms);
    else {
      control.started(burst.key);
      await control.finished(burst.key);
    }
    return { by: worker, call };
  };
  const errors = new Set<string>();
  const values = new Set<string>();
  let answered = 0;
  let firstAnswerAt = Number.POSITIVE_INFINITY;
  let lastAnswerAt = 0;
  let lastSettledAt = 0;
  const calls = Array.from({ length: burst.callers }, () =>
    cache.getOrSet(burst.key, factory, burst.timeout, burst.options).then(
      (value) => {
        const at = Date.now();
        answered++;
        values.add(JSON.stringify(value));
        firstAnswerAt = Math.min(firstAnswerAt, at);
        lastAnswerAt = Math.max(lastAnswerAt, at);
        lastSettledAt = Math.max(lastSettledAt, at);
      },
      (error: unknown) => {
        errors.add(String(error));
        lastSettledAt = Math.max(lastSettledAt, Date.now());
      },
    ),
  );
  await Promise.all(calls);
  const after = cache.getStats().getOrSet;
  return {
    worker,
    answered,
    errors: [...errors].slice(0, 5),
    values: [...values],
    factoryCalls,
    stats: {
      factoryCalls: after.factoryCalls - before.factoryCalls,
      fleetLockWaits: after.fleetLockWaits - before.fleetLockWaits,
    },
    firstAnswerAt,
    lastAnswerAt,
    lastSettledAt,
  };
}
