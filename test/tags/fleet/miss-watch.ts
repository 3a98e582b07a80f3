import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheManagerService } from '../../../src/service/cache-manager.service';
import type { MissWatch, MissWatchOutcome } from './tag-fleet-protocol';
import { wallClockMs } from './wall-clock';

/**
 * Reads every key, with get and with getMany, round after round, until no key of `gone`
 * is found by either. With three processes on two cores a round of 36 keys takes a few ms
 * (more once the new versions are read from Redis): that is the resolution of the
 * figures. The pause between rounds leaves the cores to the others and to the bus.
 */
export async function watchForMisses(
  cache: CacheManagerService,
  worker: number,
  watch: MissWatch,
): Promise<MissWatchOutcome> {
  const keys = [...watch.gone, ...Object.keys(watch.kept)];
  const outcome: MissWatchOutcome = {
    worker,
    firstReadAt: wallClockMs(),
    allMissedAt: null,
    firstMissSentAt: null,
    lastServedSentAt: null,
    rounds: 0,
    keptWrong: 0,
  };
  const deadline = outcome.firstReadAt + watch.boundMs;
  for (;;) {
    const singlesSentAt = wallClockMs();
    const singles = await Promise.all(keys.map((key) => cache.get(key)));
    const manySentAt = wallClockMs();
    const many = await cache.getMany(keys);
    const at = wallClockMs();
    outcome.rounds++;
    // What get and getMany found for each key, as JSON text (undefined: a miss).
    const texts = new Map(
      keys.map((key, i) => [
        key,
        [singles[i], many[key]].map((value) => (value === undefined ? undefined : JSON.stringify(value))),
      ]),
    );
    const wrong = Object.entries(watch.kept).filter(([key, text]) => texts.get(key)!.some((found) => found !== text));
    if (wrong.length > 0) {
      outcome.keptWrong++;
      outcome.keptWrongExample ??= `${wrong[0][0]}: get ${texts.get(wrong[0][0])![0]}, getMany ${texts.get(wrong[0][0])![1]}`;
    }
    const goneFound = (read: 0 | 1) => watch.gone.filter((key) => texts.get(key)![read] !== undefined).length;
    const [singlesFound, manyFound] = [goneFound(0), goneFound(1)];
    if (outcome.firstMissSentAt === null && (singlesFound < watch.gone.length || manyFound < watch.gone.length)) {
      outcome.firstMissSentAt = singlesFound < watch.gone.length ? singlesSentAt : manySentAt;
    }
    if (singlesFound + manyFound === 0) {
      outcome.allMissedAt = at;
      return outcome;
    }
    outcome.lastServedSentAt = manyFound > 0 ? manySentAt : singlesSentAt;
    if (at > deadline) return outcome;
    await sleep(1);
  }
}
