import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { CacheManagerService } from '../../../src/service/cache-manager.service';
import type { BurstRequest } from './burst-request';
import { CallRecorder } from './call-recorder';
import { DimensionOperations } from './dimension-operations';
import type { BurstOutcome } from './operation-log';
import { planOperations, type PlannedOperation } from './workload';

/** With every call answered at once (an open breaker, a warm L1), a lane would otherwise never let a timer or an IPC message through. */
const YIELD_EVERY = 32;

/**
 * Runs the bursts of one worker against its cache and records every call. Set values and
 * counter bases are unique over the worker's life, so each value a read returns names
 * the one write that produced it.
 */
export class BurstRunner {
  private counterAttempts = 0;
  private halted = false;
  private unhandledRejections = 0;
  private readonly recorder: CallRecorder;
  private readonly dimensions: DimensionOperations;

  constructor(
    private readonly cache: CacheManagerService,
    private readonly worker: number,
  ) {
    process.on('unhandledRejection', (reason) => {
      this.unhandledRejections++;
      // The first few reasons go to the test output (the worker shares its stdout): the reader of a failed run needs them.
      if (this.unhandledRejections <= 3)
        console.log(
          `worker ${worker}: unhandled rejection: ${reason instanceof Error ? reason.stack : String(reason)}`,
        );
    });
    this.recorder = new CallRecorder(worker);
    this.dimensions = new DimensionOperations(cache, this.recorder);
  }

  /** Ends the running burst early: no new call starts, calls in flight finish. */
  halt(): void {
    this.halted = true;
  }

  async run(request: BurstRequest): Promise<BurstOutcome> {
    this.halted = false;
    const rejectionsBefore = this.unhandledRejections;
    const faultsBefore = this.backendFaults();
    const plan = planOperations(request.seed, request.mix, request.keys, request.operations);
    const recorder = this.recorder;
    recorder.records = [];
    for (const call of Object.keys(recorder.calls)) delete recorder.calls[call];
    const intervalMs = 1000 / request.ratePerSecond;
    const started = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let done = 1; !this.halted && next < plan.length; done++) {
        const index = next++;
        const waitMs = started + index * intervalMs - performance.now();
        if (waitMs >= 1) await sleep(waitMs);
        else if (done % YIELD_EVERY === 0) await yieldToEventLoop();
        await this.perform(plan[index]);
      }
    };
    await Promise.all(Array.from({ length: request.lanes }, lane));
    // Hung factories fail, and calls given up on settle, before the convergence check reads.
    const overdue = await this.dimensions.settle();
    const backendFaults = this.backendFaults() - faultsBefore;
    const records = recorder.records;
    // delete answers false both for an absent key and for a fault; with no fault at all in
    // the burst, every false was an absent key, which is a confirmed delete as well.
    if (backendFaults === 0)
      for (const record of records) if (record.kind === 'delete' && !record.error) record.acknowledged = true;
    // A getOrSet answers its factory's value whether or not the store took it: only a burst without a fault confirms it.
    if (backendFaults > 0)
      for (const record of records)
        if (record.kind === 'set' && (record.via === 'getOrSet' || record.via === 'getOrSetMany'))
          record.acknowledged = false;
    return {
      records,
      unhandledRejections: this.unhandledRejections - rejectionsBefore,
      backendFaults,
      overdue,
      calls: { ...recorder.calls },
    };
  }

  private async perform(operation: PlannedOperation): Promise<void> {
    const cache = this.cache;
    const recorder = this.recorder;
    switch (operation.kind) {
      case 'get': {
        const { key } = operation;
        await recorder.call(
          'get',
          [key],
          () => cache.get(key),
          (found) => ({ value: found === undefined ? undefined : JSON.stringify(found), acknowledged: true }),
        );
        return;
      }
      case 'set': {
        const { key } = operation;
        const value = recorder.nextValue();
        await recorder.call(
          'set',
          [key],
          () => cache.set(key, value),
          (stored) => ({ value: JSON.stringify(value), acknowledged: stored }),
          { seq: recorder.nextSeq() },
        );
        return;
      }
      case 'delete': {
        const { key } = operation;
        await recorder.call(
          'delete',
          [key],
          () => cache.delete(key),
          (deleted) => ({ acknowledged: deleted }),
          { seq: recorder.nextSeq() },
        );
        return;
      }
      case 'clear':
        await recorder.call(
          'clear',
          [undefined],
          () => cache.clear(),
          (cleared) => ({ acknowledged: cleared }),
        );
        return;
      case 'incr':
        await this.increment(operation.key);
        return;
      default:
        await this.dimensions.perform(operation);
    }
  }

  /**
   * An absent counter is created with add(base) and incremented again. The base is
   * unique per worker and attempt, and far apart from any other, so every counter value
   * tells which creation and which increment produced it.
   */
  private async increment(key: string): Promise<void> {
    const recorder = this.recorder;
    const incr = () => recorder.call('incr', [key], () => this.cache.incr(key), counted, { seq: recorder.nextSeq() });
    const first = await incr();
    if (typeof first === 'number') return;
    const base = (this.worker * 1_000_000 + ++this.counterAttempts) * 1_000_000;
    await recorder.call(
      'add',
      [key],
      () => this.cache.add(key, base),
      (added) => ({ value: JSON.stringify(base), acknowledged: added }),
      { seq: recorder.nextSeq() },
    );
    await incr();
  }

  private backendFaults(): number {
    const stats = this.cache.getStats();
    return stats.errors + stats.timeouts + stats.shortCircuited;
  }
}

function counted(value: number | null): { value?: string; acknowledged: boolean } {
  return { value: value === null ? undefined : JSON.stringify(value), acknowledged: value !== null };
}
