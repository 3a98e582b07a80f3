import type { CacheManagerService } from '../../../src/service/cache-manager.service';
import { CaptureLogger } from '../../helpers/capture-logger';
import { type FaultApp, startFaultApp } from './fault-app';
import { sleep, waitFor } from './timing';

/**
 * What the partition specs (one server: test/faults/partition.spec.ts, and a Redis Cluster:
 * test/scale-out/redis-cluster-partition.spec.ts) share: the bar a repair must meet after
 * healing, the load that writes its own keys through the outage, the polling that says how
 * long the repair took, and the checks both make of the end state.
 */

/** The bar: after healing, Redis holds no value a failed write meant to change within this. */
export const MADE_GOOD_WITHIN_MS = 2000;
/** How long to keep looking past the bar, so a failure says "late by X" or "never" instead of only "not yet". */
export const DIAGNOSTIC_WAIT_MS = 8000;
/** Longer than the breaker's 500 ms cool-down, so probes fail during the cut too, as in a real outage. */
export const CUT_MS = 1200;

/** The value seeded under `key` before the cut, as Redis holds it. */
export const old = (key: string): string => JSON.stringify(`before the cut: ${key}`);

/**
 * Loops doing set then get on keys only they write, as request handlers would, for the
 * whole outage. For each key the last set and whether it reported success is kept, so the
 * end state can be checked: a confirmed write must still be there (recovery must not
 * delete what was written after healing), an unconfirmed one may be there or gone.
 *
 * Keys and values start with `label`: `${label}-${loop}-${n % keysPerLoop}` and `${label}-${loop}-${n}`.
 */
export class OwnKeyLoad {
  readonly exceptions: unknown[] = [];
  readonly lastSet = new Map<string, { value: string; stored: boolean; at: number }>();
  readonly lastFailedAt = new Map<string, number>();
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly cache: CacheManagerService,
    private readonly label: string,
    private readonly loopCount = 4,
    private readonly keysPerLoop = 5,
  ) {}

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.loopCount }, (_, loop) => this.loop(loop));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  storedSince(at: number): number {
    return [...this.lastSet.values()].filter((entry) => entry.stored && entry.at >= at).length;
  }

  /** Every key's last write started at or after `at` and was confirmed. */
  allStoredSince(at: number): boolean {
    return this.lastSet.size > 0 && this.storedSince(at) === this.lastSet.size;
  }

  /**
   * Redis holds no older value than a key's last write (a failed one may have landed or
   * not). A write confirmed after recovery was over, with no failure of its key since, must
   * be there: recovery must not delete what was written after it. (While a repair of a key
   * is in flight, a new write of that key may be lost to it: a miss, which a cache allows.)
   *
   * `read` gives Redis's values of the full keys, in order, read past the app; `prefix` is the app's CACHE_KEY_PREFIX.
   */
  async problems(
    read: (keys: string[]) => Promise<(string | null)[]>,
    prefix: string,
    recoveredAt: number,
  ): Promise<string[]> {
    const entries = [...this.lastSet.entries()];
    const values = await read(entries.map(([key]) => `${prefix}:1:${key}`));
    return entries.flatMap(([key, last], i) => {
      const stored = values[i];
      if (stored !== null && stored !== JSON.stringify(last.value))
        return [`${key}: last write ${last.value}, Redis still has ${stored}`];
      const cleanSince = (this.lastFailedAt.get(key) ?? 0) < recoveredAt;
      if (stored === null && last.stored && last.at >= recoveredAt && cleanSince)
        return [`${key}: ${last.value} confirmed after recovery, but gone`];
      return [];
    });
  }

  private async loop(loop: number): Promise<void> {
    for (let n = 0; this.running; n++) {
      const key = `${this.label}-${loop}-${n % this.keysPerLoop}`;
      const value = `${this.label}-${loop}-${n}`;
      try {
        const at = Date.now();
        const stored = await this.cache.set(key, value, 600);
        this.lastSet.set(key, { value, stored, at });
        if (!stored) this.lastFailedAt.set(key, at);
        await this.cache.get(key);
      } catch (error) {
        this.exceptions.push(error);
      }
      // A fallback resolves at once; without a turn of the event loop the loops would starve the test's timers.
      await sleep(1);
    }
  }
}

export interface Poll {
  ok: boolean;
  elapsedMs: number;
  problems: string[];
}

/** Polls `check` (which lists what is still wrong) until it lists nothing or `timeoutMs` passes. */
export async function pollUntilEmpty(check: () => Promise<string[]>, timeoutMs: number): Promise<Poll> {
  const started = Date.now();
  let problems = await check();
  while (problems.length > 0 && Date.now() - started < timeoutMs) {
    await sleep(20);
    problems = await check();
  }
  return { ok: problems.length === 0, elapsedMs: Date.now() - started, problems };
}

/**
 * Polls `check` as {@link pollUntilEmpty} does, for the bar and the diagnostic wait past it;
 * `within` says whether it came up empty within {@link MADE_GOOD_WITHIN_MS}.
 */
export async function pollUntilMadeGood(check: () => Promise<string[]>): Promise<Poll & { within: boolean }> {
  const made = await pollUntilEmpty(check, MADE_GOOD_WITHIN_MS + DIAGNOSTIC_WAIT_MS);
  return { ...made, within: made.elapsedMs <= MADE_GOOD_WITHIN_MS };
}

/** One line per instance (by name) whose recovery still has writes pending. */
export function pendingWrites(caches: Record<string, CacheManagerService>): string[] {
  return Object.entries(caches).flatMap(([name, cache]) => {
    const pending = cache.getStats().recovery.pending;
    return pending === 0 ? [] : [`${name} has ${pending} writes pending`];
  });
}

/**
 * The apps and loads one test starts, all logging to `logger`. A spec makes one per test
 * and closes it after the test, pass or fail.
 */
export class PartitionTestbed {
  readonly logger = new CaptureLogger();
  private readonly apps: FaultApp[] = [];
  private readonly loads: OwnKeyLoad[] = [];

  /** Boots an app from `env` alone (see {@link startFaultApp}), logging to `logger`. */
  async start(env: Record<string, string>): Promise<FaultApp> {
    const app = await startFaultApp(env, this.logger);
    this.apps.push(app);
    return app;
  }

  /** Starts `loads`; true once each has had a write confirmed, false if one has not within 5 s. */
  async startLoads(...loads: OwnKeyLoad[]): Promise<boolean> {
    this.loads.push(...loads);
    for (const load of loads) load.start();
    return waitFor(() => loads.every((load) => load.storedSince(0) > 0), 5000);
  }

  /**
   * Stops the loads, then closes the apps. A failed expectation must not leave loops running
   * against a closed app: they would keep Jest alive.
   */
  async close(): Promise<void> {
    for (const load of this.loads) await load.stop();
    for (const app of this.apps) await app.app.close();
  }
}

/**
 * The loads ran through the outage and wrote every key again once recovery was over, and
 * never saw an exception; then Redis holds what {@link OwnKeyLoad.problems} allows. Stops them.
 */
export async function expectLoadsMadeGood(
  loads: { load: OwnKeyLoad; prefix: string }[],
  read: (keys: string[]) => Promise<(string | null)[]>,
  recoveredAt: number,
): Promise<void> {
  expect(await waitFor(() => loads.every(({ load }) => load.allStoredSince(recoveredAt)), 5000)).toBe(true);
  for (const { load } of loads) await load.stop();
  expect(loads.flatMap(({ load }) => load.exceptions)).toEqual([]);
  for (const { load, prefix } of loads) expect(await load.problems(read, prefix, recoveredAt)).toEqual([]);
}

/** Deletes key-0 to key-9 through `cache`, one after another; what each reported. */
export async function deleteTen(cache: CacheManagerService): Promise<boolean[]> {
  const deletes: boolean[] = [];
  for (let i = 0; i < 10; i++) deletes.push(await cache.delete(`key-${i}`));
  return deletes;
}

/**
 * After a cut in which more of `d`'s writes failed than CACHE_RECOVERY_MAX_KEYS allows, and
 * the heal: within the bar Redis holds none of its keys (`stillThere` lists those it still
 * holds, one line each) and nothing is pending, and reads of key-0 through the app missed
 * from the first moment. `label` starts the log line.
 */
export async function expectClearedOnOverflow(
  d: FaultApp,
  stillThere: () => Promise<string[]>,
  label: string,
): Promise<void> {
  // This instance has no load of its own: its reads are what give the recovery its turn.
  const readsAfterHeal: unknown[] = [];
  const made = await pollUntilMadeGood(async () => {
    readsAfterHeal.push(await d.cache.get('key-0'));
    const left = await stillThere();
    const pending = d.cache.getStats().recovery.pending;
    return [...left, ...(pending === 0 ? [] : [`${pending} pending`])];
  });
  console.log(
    `${label}, overflow: cache cleared ${made.elapsedMs} ms after healing; recovery ${JSON.stringify(d.cache.getStats().recovery)}`,
  );
  expect(made).toEqual({ ok: true, elapsedMs: made.elapsedMs, problems: [], within: true });
  expect(readsAfterHeal.filter((value) => value !== undefined)).toEqual([]);
}

/** `cache`'s recovery overflowed once and is idle, and `logger` has one warning (besides the breaker's), which names CACHE_RECOVERY_MAX_KEYS. */
export function expectOverflowedOnce(cache: CacheManagerService, logger: CaptureLogger): void {
  expect(cache.getStats().recovery).toMatchObject({ overflowed: 1, pending: 0 });
  const warnings = logger.cacheLines().filter((line) => line.level === 'warn' && !/failures in a row/.test(line.text));
  expect(warnings).toHaveLength(1);
  expect(warnings[0].text).toContain('CACHE_RECOVERY_MAX_KEYS');
}
