import { type OperationKind, type OperationRecord, monotonicNowUs } from './operation-log';

/** What a call's answer says about one key: its value (JSON text) and whether the write was confirmed. */
export type Outcome = Pick<OperationRecord, 'value' | 'acknowledged'>;

/** Beyond a write's timeout, for Redis's own rounding to the millisecond. */
const EXPIRY_MARGIN_MS = 2;

/**
 * Records the calls of one worker: when each was issued and answered, what it answered,
 * and, for writes the caller issues itself, their place in the worker's call order. Set
 * values are unique over the worker's life, so each value a read returns names the one
 * write that produced it.
 */
export class CallRecorder {
  records: OperationRecord[] = [];
  readonly calls: Record<string, number> = {};
  private sequence = 0;
  private callOrder = 0;

  constructor(readonly worker: number) {}

  /** A value no other write of this worker ever produced. */
  nextValue(): { w: number; n: number } {
    return { w: this.worker, n: ++this.sequence };
  }

  /** The place of a write in the worker's call order; taken when the call is issued. */
  nextSeq(): number {
    return ++this.callOrder;
  }

  count(call: string): void {
    this.calls[call] = (this.calls[call] ?? 0) + 1;
  }

  /** Starts the call at once (in this tick) and records it under `keys`, one record each, when it settles. */
  async call<T>(
    kind: OperationKind,
    keys: (string | undefined)[],
    run: () => Promise<T>,
    outcome: (result: T, key: string | undefined) => Outcome,
    extra: Partial<OperationRecord> = {},
    /** The write's timeout, when it has a short one the checker must count with. */
    ttlMs?: number,
  ): Promise<T | undefined> {
    this.count(extra.via ?? kind);
    const issuedUs = monotonicNowUs();
    try {
      const result = await run();
      const ackedUs = monotonicNowUs();
      const expiresUs = ttlMs === undefined ? undefined : ackedUs + (ttlMs + EXPIRY_MARGIN_MS) * 1000;
      for (const key of keys)
        this.records.push({
          worker: this.worker,
          kind,
          key,
          issuedUs,
          ackedUs,
          ...extra,
          ...(expiresUs ? { expiresUs } : {}),
          ...outcome(result, key),
        });
      return result;
    } catch (error) {
      const ackedUs = monotonicNowUs();
      for (const key of keys)
        this.records.push({
          worker: this.worker,
          kind,
          key,
          issuedUs,
          ackedUs,
          ...extra,
          acknowledged: false,
          error: String(error),
        });
      return undefined;
    }
  }
}
