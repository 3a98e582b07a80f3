import { performance } from 'node:perf_hooks';
import type { GuardedStore } from '../../../src/resilience/guarded-store';
import type { CacheManagerService } from '../../../src/service/cache-manager.service';
import { StallMonitor } from './stall-monitor';

export type CallOutcome = 'hit' | 'miss' | 'written' | 'not-written' | 'exception';

/** One cache call made by the load. Times are Date.now() based, latency from the monotonic clock. */
export interface CallSample {
  op: 'get' | 'set';
  key: string;
  value?: string;
  startedAt: number;
  endedAt: number;
  latencyMs: number;
  /** The breaker did not let calls through when this call started. */
  breakerOpen: boolean;
  outcome: CallOutcome;
}

/** Keys every get reads; written before the load starts so a healthy get is a hit. */
export const HOT_KEYS = Array.from({ length: 20 }, (_, i) => `hot:${i}`);

/**
 * Keeps `concurrency` callers busy with get and set through CacheManagerService, the way
 * request handlers would. Each caller yields to the event loop between calls: a fallback
 * that resolves at once would otherwise starve every timer in the process.
 */
export class CacheLoad {
  readonly samples: CallSample[] = [];
  readonly exceptions: unknown[] = [];
  readonly stalls = new StallMonitor();
  private running = false;
  private workers: Promise<void>[] = [];
  private sequence = 0;

  constructor(
    private readonly cache: CacheManagerService,
    private readonly guard: GuardedStore,
    private readonly label: string,
    private readonly concurrency = 60,
  ) {}

  start(): void {
    this.running = true;
    this.stalls.start();
    this.workers = Array.from({ length: this.concurrency }, (_, i) => this.worker(i));
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
    this.stalls.stop();
  }

  private async worker(index: number): Promise<void> {
    while (this.running) {
      const write = (this.sequence + index) % 2 === 0;
      const key = write ? `load:${this.label}:${this.sequence++}` : HOT_KEYS[this.sequence++ % HOT_KEYS.length];
      const value = write ? `${this.label}-${this.sequence}` : undefined;
      const breakerOpen = this.guard.breakerState !== 'closed';
      const startedAt = Date.now();
      const t0 = performance.now();
      let outcome: CallOutcome;
      try {
        if (write) outcome = (await this.cache.set(key, value, 600)) ? 'written' : 'not-written';
        else outcome = (await this.cache.get(key)) === undefined ? 'miss' : 'hit';
      } catch (error) {
        this.exceptions.push(error);
        outcome = 'exception';
      }
      const latencyMs = performance.now() - t0;
      this.samples.push({
        op: write ? 'set' : 'get',
        key,
        value,
        startedAt,
        endedAt: startedAt + latencyMs,
        latencyMs,
        breakerOpen,
        outcome,
      });
      await new Promise((resolve) => setTimeout(resolve, 1 + (index % 3)));
    }
  }
}
