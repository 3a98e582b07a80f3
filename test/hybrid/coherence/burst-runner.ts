import { setImmediate as yieldToEventLoop, setTimeout as sleep } from 'node:timers/promises';
import type { CacheManagerService } from '../../../src/service/cache-manager.service';
import type { BurstRequest } from './burst-request';
import { type BurstOutcome, monotonicNowUs, type OperationKind, type OperationRecord } from './operation-log';
import { planOperations, type PlannedOperation } from './workload';

/** With every call answered at once (an open breaker, a warm L1), a lane would otherwise never let a timer or an IPC message through. */
const YIELD_EVERY = 32;

/**
 * Runs the bursts of one worker against its cache and records every call. Set values and
 * counter bases are unique over the worker's life, so each value a read returns names
 * the one write that produced it.
 */
export class BurstRunner {
  private sequence = 0;
  private counterAttempts = 0;
  private halted = false;
  private unhandledRejections = 0;

  constructor(
    private readonly cache: CacheManagerService,
    private readonly worker: number,
  ) {
    process.on('unhandledRejection', () => this.unhandledRejections++);
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
    const records: OperationRecord[] = [];
    const intervalMs = 1000 / request.ratePerSecond;
    const started = performance.now();
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let done = 1; !this.halted && next < plan.length; done++) {
        const index = next++;
        const waitMs = started + index * intervalMs - performance.now();
        if (waitMs >= 1) await sleep(waitMs);
        else if (done % YIELD_EVERY === 0) await yieldToEventLoop();
        await this.perform(plan[index], records);
      }
    };
    await Promise.all(Array.from({ length: request.lanes }, lane));
    const backendFaults = this.backendFaults() - faultsBefore;
    // delete answers false both for an absent key and for a fault; with no fault at all in
    // the burst, every false was an absent key, which is a confirmed delete as well.
    if (backendFaults === 0) for (const record of records) if (record.kind === 'delete' && !record.error) record.acknowledged = true;
    return { records, unhandledRejections: this.unhandledRejections - rejectionsBefore, backendFaults };
  }

  private async perform(operation: PlannedOperation, records: OperationRecord[]): Promise<void> {
    const cache = this.cache;
    switch (operation.kind) {
      case 'get': {
        const { key } = operation;
        await this.call(records, 'get', key, () => cache.get(key), (found) => ({ value: found === undefined ? undefined : JSON.stringify(found), acknowledged: true }));
        return;
      }
      case 'set': {
        const { key } = operation;
        const value = { w: this.worker, n: ++this.sequence };
        await this.call(records, 'set', key, () => cache.set(key, value), (stored) => ({ value: JSON.stringify(value), acknowledged: stored }));
        return;
      }
      case 'delete': {
        const { key } = operation;
        await this.call(records, 'delete', key, () => cache.delete(key), (deleted) => ({ acknowledged: deleted }));
        return;
      }
      case 'clear':
        await this.call(records, 'clear', undefined, () => cache.clear(), (cleared) => ({ acknowledged: cleared }));
        return;
      case 'incr':
        await this.increment(operation.key, records);
        return;
    }
  }

  /**
   * An absent counter is created with add(base) and incremented again. The base is
   * unique per worker and attempt, and far apart from any other, so every counter value
   * tells which creation and which increment produced it.
   */
  private async increment(key: string, records: OperationRecord[]): Promise<void> {
    const incr = () => this.call(records, 'incr', key, () => this.cache.incr(key), counted);
    const first = await incr();
    if (typeof first === 'number') return;
    const base = (this.worker * 1_000_000 + ++this.counterAttempts) * 1_000_000;
    await this.call(records, 'add', key, () => this.cache.add(key, base), (added) => ({ value: JSON.stringify(base), acknowledged: added }));
    await incr();
  }

  private async call<T>(
    records: OperationRecord[],
    kind: OperationKind,
    key: string | undefined,
    run: () => Promise<T>,
    outcome: (result: T) => Pick<OperationRecord, 'value' | 'acknowledged'>,
  ): Promise<T | undefined> {
    const issuedUs = monotonicNowUs();
    try {
      const result = await run();
      records.push({ worker: this.worker, kind, key, issuedUs, ackedUs: monotonicNowUs(), ...outcome(result) });
      return result;
    } catch (error) {
      records.push({ worker: this.worker, kind, key, issuedUs, ackedUs: monotonicNowUs(), acknowledged: false, error: String(error) });
      return undefined;
    }
  }

  private backendFaults(): number {
    const stats = this.cache.getStats();
    return stats.errors + stats.timeouts + stats.shortCircuited;
  }
}

function counted(value: number | null): Pick<OperationRecord, 'value' | 'acknowledged'> {
  return { value: value === null ? undefined : JSON.stringify(value), acknowledged: value !== null };
}
