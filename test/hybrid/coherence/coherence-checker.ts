import type { OperationRecord } from './operation-log';

export interface CheckerOptions {
  /**
   * How long, in ms, a value may still be read after a newer write was acknowledged; a
   * function gives each read its own bound (a fault window allows more).
   */
  boundMs: number | ((read: OperationRecord) => number);
  /** Violations kept in full for the failure message. */
  examples?: number;
}

export interface StaleRead {
  read: OperationRecord;
  /** The write whose value the read returned. */
  producedBy: OperationRecord;
  /** The first acknowledged write that definitely followed it. */
  supersededBy: OperationRecord;
  /** issue(read) - ack(supersededBy). */
  stalenessMs: number;
  boundMs: number;
}

export interface CoherenceReport {
  operations: number;
  reads: number;
  /** Reads that returned a value. */
  hits: number;
  /** Hits whose value no acknowledged write produced (its writer never saw the answer): not judged. */
  unattributed: number;
  /** Staleness of every read that returned a value already superseded when it was issued, ascending. */
  stalenessMs: number[];
  violations: number;
  examples: StaleRead[];
}

const WRITE_KINDS = new Set(['set', 'delete', 'incr', 'add', 'clear']);

/**
 * Writes on one key (or the clears, which touch every key) by issue time, with the
 * earliest acknowledgement among each write and all the writes issued after it: the
 * first moment a write issued after time t was known to have happened.
 */
class WriteTimeline {
  private readonly writes: OperationRecord[];
  /** earliestAckFrom[i]: the write with the smallest ack among writes[i..]. */
  private readonly earliestAckFrom: OperationRecord[];

  constructor(writes: OperationRecord[]) {
    this.writes = [...writes].sort((a, b) => a.issuedUs - b.issuedUs);
    this.earliestAckFrom = new Array<OperationRecord>(this.writes.length);
    for (let i = this.writes.length - 1; i >= 0; i--) {
      const later = this.earliestAckFrom[i + 1];
      this.earliestAckFrom[i] = later && later.ackedUs < this.writes[i].ackedUs ? later : this.writes[i];
    }
  }

  /** Among writes issued strictly after `us`, the one acknowledged first. */
  firstAcknowledgedIssuedAfter(us: number): OperationRecord | undefined {
    let low = 0;
    let high = this.writes.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.writes[middle].issuedUs > us) high = middle;
      else low = middle + 1;
    }
    return this.earliestAckFrom[low];
  }
}

/**
 * The online coherence check. A read of key k that returned value o, produced by write
 * W_o, is stale if another acknowledged write W' on k (set, delete, successful add,
 * incr or clear) was issued after W_o was acknowledged (so it definitely came later) and
 * was itself acknowledged before the read was issued. Its staleness is the time from the
 * first such acknowledgement to the read's issue; beyond the bound it is a violation. A
 * miss is never a violation, and values of writes whose acknowledgement was not seen are
 * not judged: such a write may have happened at any time, or not at all.
 */
export function checkCoherence(records: OperationRecord[], options: CheckerOptions): CoherenceReport {
  const boundFor = typeof options.boundMs === 'number' ? ((bound: number) => () => bound)(options.boundMs) : options.boundMs;
  const keptExamples = options.examples ?? 5;
  const writesByKey = new Map<string, OperationRecord[]>();
  const clears: OperationRecord[] = [];
  const producers = new Map<string, Map<string, OperationRecord>>();
  for (const record of records) {
    if (!WRITE_KINDS.has(record.kind) || !record.acknowledged || record.error) continue;
    if (record.kind === 'clear') {
      clears.push(record);
      continue;
    }
    const key = record.key!;
    let writes = writesByKey.get(key);
    if (!writes) writesByKey.set(key, (writes = []));
    writes.push(record);
    if (record.value === undefined) continue;
    let byValue = producers.get(key);
    if (!byValue) producers.set(key, (byValue = new Map()));
    if (byValue.has(record.value)) throw new Error(`value ${record.value} of ${key} was produced twice: the workload must make every value unique`);
    byValue.set(record.value, record);
  }
  const clearTimeline = new WriteTimeline(clears);
  const timelines = new Map([...writesByKey].map(([key, writes]) => [key, new WriteTimeline(writes)]));
  const supersededCache = new Map<OperationRecord, OperationRecord | undefined>();
  const supersederOf = (write: OperationRecord): OperationRecord | undefined => {
    if (supersededCache.has(write)) return supersededCache.get(write);
    const onKey = timelines.get(write.key!)?.firstAcknowledgedIssuedAfter(write.ackedUs);
    const byClear = clearTimeline.firstAcknowledgedIssuedAfter(write.ackedUs);
    const first = onKey && byClear ? (byClear.ackedUs < onKey.ackedUs ? byClear : onKey) : (onKey ?? byClear);
    supersededCache.set(write, first);
    return first;
  };

  const report: CoherenceReport = { operations: records.length, reads: 0, hits: 0, unattributed: 0, stalenessMs: [], violations: 0, examples: [] };
  for (const read of records) {
    if (read.kind !== 'get') continue;
    report.reads++;
    if (read.value === undefined || read.error) continue;
    report.hits++;
    const producedBy = producers.get(read.key!)?.get(read.value);
    if (!producedBy) {
      report.unattributed++;
      continue;
    }
    const supersededBy = supersederOf(producedBy);
    if (!supersededBy || supersededBy.ackedUs >= read.issuedUs) continue;
    const stalenessMs = (read.issuedUs - supersededBy.ackedUs) / 1000;
    report.stalenessMs.push(stalenessMs);
    const boundMs = boundFor(read);
    if (stalenessMs <= boundMs) continue;
    report.violations++;
    if (report.examples.length < keptExamples) report.examples.push({ read, producedBy, supersededBy, stalenessMs, boundMs });
  }
  report.stalenessMs.sort((a, b) => a - b);
  return report;
}
