import { withInFlight } from './rounds';

/** Writes in flight while a suite fills its keys: quick, but far from the bound a stalled machine reaches at 100. */
const FILL_IN_FLIGHT = 20;
/** A write that failed (a stall past the command bound) is tried again this many times before the suite gives up. */
const FILL_ATTEMPTS = 5;
/**
 * Between attempts: longer than the breaker's 500 ms cool-down, which a few stalled writes
 * open, so the next attempt reaches Redis instead of the open breaker's fallback.
 */
const RETRY_PAUSE_MS = 600;

/**
 * Runs `write(i)` for every i below `count`, a few at a time, until each reports true. A
 * suite's keys must all be there before anything is timed, or its reads would miss.
 */
export async function fillKeys(count: number, write: (i: number) => Promise<boolean>): Promise<void> {
  let next = 0;
  await withInFlight(FILL_IN_FLIGHT, count, async () => {
    const i = next++;
    for (let attempt = 1; !(await write(i)); attempt++) {
      if (attempt >= FILL_ATTEMPTS) throw new Error(`write ${i} failed ${FILL_ATTEMPTS} times while filling the keys`);
      await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS));
    }
  });
}

/** Runs `read(i)` for every i below `count`, a few at a time (to fill an L1, or warm a path). */
export async function readKeys(count: number, read: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await withInFlight(FILL_IN_FLIGHT, count, () => read(next++));
}
