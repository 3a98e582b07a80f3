import { performance } from 'node:perf_hooks';
import type { GuardedStore } from '../../../src/resilience/guarded-store';
import type { CacheManagerService } from '../../../src/service/cache-manager.service';
import { seededRandom } from '../../helpers/seeded-random';

export const KEY_SPACE = 100_000;
const HOT_KEYS = 100;
const TAGS = 200;
/** A batch job's `Promise.all` of async workers lets the event loop turn this rarely. */
export const CALLS_PER_YIELD = 1024;

export interface BusyLoadFigures {
  calls: number;
  hits: number;
  exceptions: unknown[];
}

/**
 * Callers that turn the event loop only once every CALLS_PER_YIELD calls: between two
 * yields every call that answers at once (an L1 hit, an open breaker's fallback) runs
 * inside one microtask chain, and no timer or socket read of the process runs meanwhile.
 * Each caller mixes get, set, delete, getOrSet with tags, getMany and invalidateTags
 * over 100k keys.
 */
export class BusyLoad {
  readonly figures: BusyLoadFigures = { calls: 0, hits: 0, exceptions: [] };
  /** The first moment a get hit that started once `ready` held (and held on since). */
  recoveredAt: number | undefined;
  private running = false;
  private workers: Promise<void>[] = [];
  private ready: (() => boolean) | undefined;
  private readyAt: number | undefined;

  constructor(
    private readonly cache: CacheManagerService,
    readonly guard: GuardedStore,
    private readonly concurrency = 100,
  ) {}

  start(): void {
    this.running = true;
    this.workers = Array.from({ length: this.concurrency }, (_, i) => this.worker(i));
  }

  /** From now on, the first get that hits after starting while `ready()` held (checked after every call) stamps recoveredAt. */
  watch(ready: () => boolean): void {
    this.ready = ready;
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  private async worker(index: number): Promise<void> {
    const random = seededRandom(0x5eed + index);
    let calls = 0;
    while (this.running) {
      const startedAt = performance.now();
      let hit = false;
      try {
        hit = await this.call(random);
      } catch (error) {
        this.figures.exceptions.push(error);
      }
      this.figures.calls++;
      if (this.ready && this.recoveredAt === undefined) this.check(startedAt, hit);
      if (++calls % CALLS_PER_YIELD === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private check(startedAt: number, hit: boolean): void {
    if (!this.ready!()) {
      this.readyAt = undefined;
      return;
    }
    const now = performance.now();
    this.readyAt ??= now;
    if (hit && startedAt >= this.readyAt) this.recoveredAt = now;
  }

  /** One call; true if it was a get that hit. */
  private async call(random: () => number): Promise<boolean> {
    const pick = random();
    // A few hot keys, as any app has: after a clear of the whole scope they are stored, and hit, again first.
    const hot = pick < 0.15;
    const key = hot ? `busy:hot:${Math.floor(random() * HOT_KEYS)}` : `busy:${Math.floor(random() * KEY_SPACE)}`;
    const tag = `t${Math.floor(random() * TAGS)}`;
    if (pick < 0.1 || (pick >= 0.15 && pick < 0.4)) {
      const hit = (await this.cache.get(key)) !== undefined;
      if (hit) this.figures.hits++;
      return hit;
    } else if (pick < 0.6) {
      await this.cache.set(key, { n: pick }, 60);
    } else if (pick < 0.7) {
      await this.cache.delete(key);
    } else if (pick < 0.85) {
      await this.cache.getOrSet(key, () => ({ made: pick }), 60, { tags: [tag] });
    } else if (pick < 0.97) {
      const keys = [key, `busy:${Math.floor(random() * KEY_SPACE)}`, `busy:${Math.floor(random() * KEY_SPACE)}`];
      this.figures.hits += Object.keys(await this.cache.getMany(keys)).length;
    } else {
      await this.cache.invalidateTags([tag]);
    }
    return false;
  }
}
