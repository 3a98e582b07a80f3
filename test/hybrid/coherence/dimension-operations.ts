import { setTimeout as sleep } from 'node:timers/promises';
import { CacheFactoryTimeoutError } from '../../../src/get-or-set/get-or-set.errors';
import type { CacheManagerService } from '../../../src/service/cache-manager.service';
import type { CallRecorder } from './call-recorder';
import type { DimensionOperation, FactoryPlan, TickStep } from './dimension-plans';
import { monotonicNowUs, type OperationRecord, type OverdueCall } from './operation-log';

/**
 * How long past its hardTimeoutMs a getOrSet or getOrSetMany may take to settle before it
 * counts as hung. Generous, for a loaded 2-core machine (a stalled event loop fires the
 * timer late); a caller held by a hung factory or by a fleet lock waits far longer (the
 * lock's TTL is hardTimeoutMs + 2 s, and a hung factory here fails only after HANG_MS).
 */
export const FACTORY_SETTLE_ALLOWANCE_MS = 1500;
/** How long the end of a burst waits for calls it gave up on, so their late writes land before the convergence check. */
const LATE_CALLS_BOUND_MS = 15_000;

const PLANNED_FAILURE = 'planned factory failure';

/** A factory call as the caller saw it: when it was called and what it produced. */
interface FactoryTrace {
  calledUs?: number;
  resolvedUs?: number;
  produced?: string;
}

/** The operations of the checker's dimensions (dimension-plans.ts), recorded one record per key. */
export class DimensionOperations {
  private readonly pending = new Set<Promise<unknown>>();
  private overdue: OverdueCall[] = [];

  constructor(
    private readonly cache: CacheManagerService,
    private readonly recorder: CallRecorder,
  ) {}

  async perform(operation: DimensionOperation): Promise<void> {
    const { cache, recorder } = this;
    switch (operation.kind) {
      case 'getMany': {
        const { keys } = operation;
        await recorder.call(
          'get',
          keys,
          () => cache.getMany<unknown>(keys),
          (found, key) => ({ value: jsonOf(found, key!), acknowledged: true }),
          { via: 'getMany' },
        );
        return;
      }
      case 'setMany':
        await this.setMany(operation.keys, operation.ttlMs);
        return;
      case 'deleteMany': {
        const { keys } = operation;
        await recorder.call(
          'delete',
          keys,
          () => cache.deleteMany(keys),
          (deleted) => ({ acknowledged: deleted }),
          { via: 'deleteMany', seq: recorder.nextSeq() },
        );
        return;
      }
      case 'setWithTimeout': {
        const { key, ttlMs } = operation;
        const value = recorder.nextValue();
        await recorder.call(
          'set',
          [key],
          () => cache.set(key, value, ttlMs / 1000),
          (stored) => ({ value: JSON.stringify(value), acknowledged: stored }),
          { seq: recorder.nextSeq() },
          ttlMs,
        );
        return;
      }
      case 'setTagged': {
        // Not in the call order: a tagged set reads its tags' versions before it writes.
        const { key, tags } = operation;
        const value = recorder.nextValue();
        await recorder.call(
          'set',
          [key],
          () => cache.set(key, value, undefined, { tags }),
          (stored) => ({ value: JSON.stringify(value), acknowledged: stored }),
          { tags },
        );
        return;
      }
      case 'invalidateTags': {
        const { tags } = operation;
        const invalidate = () =>
          recorder.call(
            'invalidateTags',
            [undefined],
            () => cache.invalidateTags(tags),
            (done) => ({ acknowledged: done }),
            { tags },
          );
        await invalidate();
        this.track(sleep(operation.againAfterMs).then(invalidate));
        return;
      }
      // The lane goes on without waiting, as the next request of an app would: a caller held
      // far past its hard timeout must not slow the burst, only be counted.
      case 'getOrSet':
        this.track(this.getOrSet(operation.key, operation.factory, operation.tags));
        return;
      case 'getOrSetMany':
        this.track(this.getOrSetMany(operation.keys, operation.factory, operation.tags));
        return;
      case 'tick':
        await Promise.all(operation.steps.map((step) => this.tickStep(step)));
        return;
    }
  }

  /** Waits for what the burst left running (hung factories, calls given up on); answers the calls that were overdue. */
  async settle(): Promise<OverdueCall[]> {
    await Promise.race([Promise.allSettled([...this.pending]), sleep(LATE_CALLS_BOUND_MS)]);
    const overdue = this.overdue;
    this.overdue = [];
    return overdue;
  }

  private setMany(
    keys: string[],
    ttlMs: number | undefined,
    via: OperationRecord['via'] = 'setMany',
  ): Promise<unknown> {
    const value = this.recorder.nextValue();
    const text = JSON.stringify(value);
    const entries = Object.fromEntries(keys.map((key) => [key, value]));
    return this.recorder.call(
      'set',
      keys,
      () => this.cache.setMany(entries, ttlMs === undefined ? undefined : ttlMs / 1000),
      (stored) => ({ value: text, acknowledged: stored }),
      { via, seq: this.recorder.nextSeq() },
      ttlMs,
    );
  }

  /** Issued without a wait: every step of a tick starts before any answers. */
  private tickStep(step: TickStep): Promise<unknown> {
    const { cache, recorder } = this;
    switch (step.call) {
      case 'set': {
        const value = recorder.nextValue();
        return recorder.call(
          'set',
          [step.key],
          () => cache.set(step.key, value),
          (stored) => ({ value: JSON.stringify(value), acknowledged: stored }),
          { via: 'tick', seq: recorder.nextSeq() },
        );
      }
      case 'delete':
        return recorder.call(
          'delete',
          [step.key],
          () => cache.delete(step.key),
          (deleted) => ({ acknowledged: deleted }),
          { via: 'tick', seq: recorder.nextSeq() },
        );
      case 'setMany':
        return this.setMany(step.keys, undefined, 'tick');
      case 'deleteMany':
        return recorder.call(
          'delete',
          step.keys,
          () => cache.deleteMany(step.keys),
          (deleted) => ({ acknowledged: deleted }),
          { via: 'tick', seq: recorder.nextSeq() },
        );
    }
  }

  private async getOrSet(key: string, plan: FactoryPlan, tags: string[]): Promise<void> {
    const trace: FactoryTrace = {};
    const value = this.recorder.nextValue();
    const factory = () => this.runFactory(plan, trace, value);
    const options = { hardTimeoutMs: plan.hardTimeoutMs, tags };
    await this.factoryCall(
      'getOrSet',
      [key],
      plan,
      () => this.cache.getOrSet(key, factory, undefined, options),
      (result) => ({ [key]: result }),
      trace,
      tags,
    );
  }

  private async getOrSetMany(keys: string[], plan: FactoryPlan, tags: string[] | undefined): Promise<void> {
    const trace: FactoryTrace = {};
    const value = this.recorder.nextValue();
    const factory = async (missing: string[]) => {
      const produced = await this.runFactory(plan, trace, value);
      return Object.fromEntries(missing.map((key) => [key, produced]));
    };
    const options = { hardTimeoutMs: plan.hardTimeoutMs, ...(tags ? { tags } : {}) };
    await this.factoryCall(
      'getOrSetMany',
      keys,
      plan,
      () => this.cache.getOrSetMany(keys, factory, undefined, options),
      (result) => result,
      trace,
      tags,
    );
  }

  /** The planned factory: its value after delayMs, or a failure (a hang fails only after its long delay). */
  private runFactory<T>(plan: FactoryPlan, trace: FactoryTrace, value: T): Promise<T> {
    trace.calledUs = monotonicNowUs();
    const done = (async () => {
      if (plan.delayMs > 0) await sleep(plan.delayMs);
      if (plan.behaviour === 'throws' || plan.behaviour === 'hangs')
        throw new Error(`${PLANNED_FAILURE} (${plan.behaviour})`);
      trace.resolvedUs = monotonicNowUs();
      trace.produced = JSON.stringify(value);
      return value;
    })();
    this.track(done);
    return done;
  }

  /**
   * Runs a getOrSet or getOrSetMany and records, per key, a write where the answer is the
   * value this call's factory produced (issued when the factory answered, acknowledged
   * when the call did, as the call stores before it answers), and a read otherwise. A
   * call still pending at its hardTimeoutMs plus FACTORY_SETTLE_ALLOWANCE_MS is overdue.
   */
  private async factoryCall<R>(
    call: 'getOrSet' | 'getOrSetMany',
    keys: string[],
    plan: FactoryPlan,
    run: () => Promise<R>,
    answers: (result: R) => Record<string, unknown>,
    trace: FactoryTrace,
    tags: string[] | undefined,
  ): Promise<void> {
    const recorder = this.recorder;
    recorder.count(call);
    const issuedUs = monotonicNowUs();
    const settled = run().then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    this.track(settled);
    const boundMs = plan.hardTimeoutMs + FACTORY_SETTLE_ALLOWANCE_MS;
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      settled,
      new Promise<'overdue'>((resolve) => (timer = setTimeout(() => resolve('overdue'), boundMs))),
    ]);
    clearTimeout(timer);
    const ackedUs = monotonicNowUs();
    const base = { worker: recorder.worker, issuedUs, ackedUs, via: call };
    if (outcome === 'overdue') {
      this.overdue.push({
        worker: recorder.worker,
        call: `${call} (factory ${plan.behaviour})`,
        keys: keys.slice(0, 5),
        hardTimeoutMs: plan.hardTimeoutMs,
        pendingMs: (ackedUs - issuedUs) / 1000,
      });
      return;
    }
    if ('error' in outcome) {
      const text = String(outcome.error);
      const expected = outcome.error instanceof CacheFactoryTimeoutError || text.includes(PLANNED_FAILURE);
      for (const key of keys)
        recorder.records.push({
          ...base,
          kind: 'get',
          key,
          acknowledged: false,
          ...(expected ? { expectedError: text } : { error: text }),
        });
      return;
    }
    const found = answers(outcome.result);
    for (const key of keys) {
      if (!Object.prototype.hasOwnProperty.call(found, key)) continue;
      const text = JSON.stringify(found[key]);
      if (trace.produced !== undefined && text === trace.produced) {
        recorder.records.push({
          ...base,
          kind: 'set',
          key,
          value: text,
          acknowledged: true,
          issuedUs: trace.resolvedUs!,
          ...(tags ? { tags, snapshotUs: trace.calledUs } : {}),
        });
      } else {
        recorder.records.push({ ...base, kind: 'get', key, value: text, acknowledged: true });
      }
    }
  }

  private track(work: Promise<unknown>): void {
    const quiet = work.then(
      () => undefined,
      () => undefined,
    );
    this.pending.add(quiet);
    void quiet.then(() => this.pending.delete(quiet));
  }
}

function jsonOf(found: Record<string, unknown>, key: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(found, key) ? JSON.stringify(found[key]) : undefined;
}
