import type { KeyReadings, OperationRecord } from './operation-log';

export interface CheckerOptions {
  /**
   * How long, in ms, a value may still be read after a newer write was acknowledged; a
   * function gives each read its own bound (a fault window allows more).
   */
  boundMs: number | ((read: OperationRecord) => number);
  /** Violations kept in full for the failure message. */
  examples?: number;
  /**
   * What Redis held after each burst, and when it was read: a value there that a
   * definitely later write had superseded by then is a lost write (the last write did
   * not win), which every process would then agree on.
   */
  stored?: StoredSnapshot[];
}

export interface StoredSnapshot {
  readUs: number;
  stored: KeyReadings;
}

export interface LostWrite {
  key: string;
  /** The write whose value Redis still held. */
  producedBy: OperationRecord;
  /** A write acknowledged before Redis was read that definitely followed it (or its expiry). */
  supersededBy: OperationRecord;
  readUs: number;
  /** Redis held nothing for the key: `producedBy` is the write whose value it should have held, `supersededBy` stands for the absence. */
  absent?: true;
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
  /** Values Redis held after a burst although a write acknowledged before had superseded them. */
  lostWrites: LostWrite[];
}

const WRITE_KINDS = new Set(['set', 'delete', 'incr', 'add', 'clear', 'invalidateTags']);

/**
 * Writes ordered by a position (issue time, or a worker's call order), with the earliest
 * acknowledgement among each write and all those after it: the first moment a write
 * positioned after p was known to have happened.
 */
class WriteTimeline {
  private readonly writes: OperationRecord[];
  /** earliestAckFrom[i]: the write with the smallest ack among writes[i..]. */
  private readonly earliestAckFrom: OperationRecord[];

  constructor(
    writes: OperationRecord[],
    private readonly position: (write: OperationRecord) => number = (write) => write.issuedUs,
  ) {
    this.writes = [...writes].sort((a, b) => position(a) - position(b));
    this.earliestAckFrom = new Array<OperationRecord>(this.writes.length);
    for (let i = this.writes.length - 1; i >= 0; i--) {
      const later = this.earliestAckFrom[i + 1];
      this.earliestAckFrom[i] = later && later.ackedUs < this.writes[i].ackedUs ? later : this.writes[i];
    }
  }

  /** Among writes positioned strictly after `at`, the one acknowledged first. */
  firstAcknowledgedAfter(at: number): OperationRecord | undefined {
    let low = 0;
    let high = this.writes.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (this.position(this.writes[middle]) > at) high = middle;
      else low = middle + 1;
    }
    return this.earliestAckFrom[low];
  }
}

function group<K>(map: Map<K, OperationRecord[]>, key: K, record: OperationRecord): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(record);
}

function earliest(...candidates: (OperationRecord | undefined)[]): OperationRecord | undefined {
  let first: OperationRecord | undefined;
  for (const candidate of candidates) if (candidate && (!first || candidate.ackedUs < first.ackedUs)) first = candidate;
  return first;
}

/**
 * For each acknowledged write, the first acknowledged write that definitely followed it:
 * - on its key, one issued after it was acknowledged;
 * - on its key, one the same worker called after it (`seq`): a worker's own calls take
 *   effect in the order it made them, also when they were in flight together;
 * - a clear issued after it was acknowledged;
 * - an invalidation of one of its tags issued after its tags' versions were read (the
 *   factory's start for a factory's value, the write's acknowledgement otherwise);
 * - its own expiry.
 */
class Supersession {
  private readonly onKey = new Map<string, WriteTimeline>();
  private readonly inCallOrder = new Map<string, WriteTimeline>();
  private readonly clears: WriteTimeline;
  private readonly onTag = new Map<string, WriteTimeline>();
  private readonly cache = new Map<OperationRecord, OperationRecord | undefined>();
  private readonly laterWrite = new Map<OperationRecord, OperationRecord | undefined>();
  readonly writesByKey: Map<string, OperationRecord[]>;
  readonly clearList: OperationRecord[];

  constructor(writes: OperationRecord[]) {
    const byKey = new Map<string, OperationRecord[]>();
    const byKeyAndWorker = new Map<string, OperationRecord[]>();
    const byTag = new Map<string, OperationRecord[]>();
    const clears: OperationRecord[] = [];
    for (const write of writes) {
      if (write.kind === 'clear') clears.push(write);
      else if (write.kind === 'invalidateTags') for (const tag of write.tags ?? []) group(byTag, tag, write);
      else {
        group(byKey, write.key!, write);
        if (write.seq !== undefined) group(byKeyAndWorker, `${write.worker} ${write.key}`, write);
      }
    }
    for (const [key, list] of byKey) this.onKey.set(key, new WriteTimeline(list));
    this.writesByKey = byKey;
    this.clearList = clears;
    for (const [key, list] of byKeyAndWorker) this.inCallOrder.set(key, new WriteTimeline(list, (write) => write.seq!));
    for (const [tag, list] of byTag) this.onTag.set(tag, new WriteTimeline(list));
    this.clears = new WriteTimeline(clears);
  }

  of(write: OperationRecord): OperationRecord | undefined {
    if (this.cache.has(write)) return this.cache.get(write);
    const first = earliest(this.byLaterWrite(write), write.expiresUs === undefined ? undefined : expiryOf(write));
    this.cache.set(write, first);
    return first;
  }

  /**
   * The first acknowledged write that definitely followed `write`, its expiry left out: a
   * write that is followed by nothing but its expiry may still be the last one applied.
   */
  byLaterWrite(write: OperationRecord): OperationRecord | undefined {
    if (this.laterWrite.has(write)) return this.laterWrite.get(write);
    const tagsReadUs = write.snapshotUs ?? write.ackedUs;
    const first = earliest(
      this.onKey.get(write.key!)?.firstAcknowledgedAfter(write.ackedUs),
      write.seq === undefined
        ? undefined
        : this.inCallOrder.get(`${write.worker} ${write.key}`)?.firstAcknowledgedAfter(write.seq),
      this.clears.firstAcknowledgedAfter(write.ackedUs),
      ...(write.tags ?? []).map((tag) => this.onTag.get(tag)?.firstAcknowledgedAfter(tagsReadUs)),
    );
    this.laterWrite.set(write, first);
    return first;
  }
}

/** A value's expiry as a delete that Redis itself made. */
function expiryOf(write: OperationRecord): OperationRecord {
  return {
    worker: write.worker,
    kind: 'delete',
    via: 'expiry',
    key: write.key,
    issuedUs: write.expiresUs!,
    ackedUs: write.expiresUs!,
    acknowledged: true,
  };
}

/**
 * The online coherence check. A read of key k that returned value o, produced by write
 * W_o, is stale if a write that definitely followed W_o (see Supersession) was
 * acknowledged before the read was issued. Its staleness is the time from that first
 * acknowledgement to the read's issue; beyond the bound it is a violation. A miss is never
 * a violation, and values of writes whose acknowledgement was not seen are not judged:
 * such a write may have happened at any time, or not at all.
 */
export function checkCoherence(records: OperationRecord[], options: CheckerOptions): CoherenceReport {
  const boundFor =
    typeof options.boundMs === 'number'
      ? (
          (bound: number) => () =>
            bound
        )(options.boundMs)
      : options.boundMs;
  const keptExamples = options.examples ?? 5;
  const writes: OperationRecord[] = [];
  const producers = new Map<string, Map<string, OperationRecord>>();
  for (const record of records) {
    if (!WRITE_KINDS.has(record.kind) || !record.acknowledged || record.error) continue;
    writes.push(record);
    if (record.value === undefined || record.key === undefined) continue;
    let byValue = producers.get(record.key);
    if (!byValue) producers.set(record.key, (byValue = new Map()));
    if (byValue.has(record.value))
      throw new Error(
        `value ${record.value} of ${record.key} was produced twice: the workload must make every value unique`,
      );
    byValue.set(record.value, record);
  }
  const supersession = new Supersession(writes);

  const report: CoherenceReport = {
    operations: records.length,
    reads: 0,
    hits: 0,
    unattributed: 0,
    stalenessMs: [],
    violations: 0,
    examples: [],
    lostWrites: [],
  };
  for (const read of records) {
    if (read.kind !== 'get') continue;
    report.reads++;
    if (read.value === undefined || read.error || read.expectedError) continue;
    report.hits++;
    const producedBy = producers.get(read.key!)?.get(read.value);
    if (!producedBy) {
      report.unattributed++;
      continue;
    }
    const supersededBy = supersession.of(producedBy);
    if (!supersededBy || supersededBy.ackedUs >= read.issuedUs) continue;
    const stalenessMs = (read.issuedUs - supersededBy.ackedUs) / 1000;
    report.stalenessMs.push(stalenessMs);
    const boundMs = boundFor(read);
    if (stalenessMs <= boundMs) continue;
    report.violations++;
    if (report.examples.length < keptExamples)
      report.examples.push({ read, producedBy, supersededBy, stalenessMs, boundMs });
  }
  report.stalenessMs.sort((a, b) => a - b);
  const unsure = new Set(
    records
      .filter((record) => WRITE_KINDS.has(record.kind) && (!record.acknowledged || record.error))
      .map((record) => record.key),
  );
  for (const { readUs, stored } of options.stored ?? []) {
    for (const [key, value] of Object.entries(stored)) {
      const producedBy = producers.get(key)?.get(value);
      const supersededBy = producedBy && supersession.of(producedBy);
      if (producedBy && supersededBy && supersededBy.ackedUs < readUs)
        report.lostWrites.push({ key, producedBy, supersededBy, readUs });
    }
    if (unsure.has(undefined)) continue;
    for (const [key, writes] of supersession.writesByKey) {
      if (stored[key] !== undefined || unsure.has(key)) continue;
      const lost = lostToAbsence(writes, supersession, readUs);
      if (lost)
        report.lostWrites.push({
          key,
          producedBy: lost,
          supersededBy: { ...lost, kind: 'delete', value: undefined, via: undefined },
          readUs,
          absent: true,
        });
    }
  }
  return report;
}

/**
 * Redis held nothing for a key at `readUs`: that is a lost write when every write that may
 * have been applied last (issued by then, and no later write definitely followed it by
 * then) left a value that does not expire, one of them was acknowledged by then, and no
 * clear could have come after one of them. The value answered is the newest of them;
 * `supersededBy` then stands for the absence.
 *
 * A write's own expiry does not take it out of the running: when a write with a timeout
 * overlapped one without (neither definitely followed the other), Redis may have applied
 * the one with the timeout last, and its expiry then removed the key, the other write's
 * value with it. Absence is then what Redis must hold, not a lost write.
 */
function lostToAbsence(
  writes: OperationRecord[],
  supersession: Supersession,
  readUs: number,
): OperationRecord | undefined {
  const last = writes.filter(
    (write) => write.issuedUs < readUs && !((supersession.byLaterWrite(write)?.ackedUs ?? Infinity) < readUs),
  );
  if (!last.some((write) => write.ackedUs < readUs)) return undefined;
  if (last.some((write) => write.value === undefined || write.expiresUs !== undefined || write.tags)) return undefined;
  const earliestIssue = Math.min(...last.map((write) => write.issuedUs));
  if (supersession.clearList.some((clear) => clear.ackedUs > earliestIssue)) return undefined;
  return last.reduce((newest, write) => (write.ackedUs > newest.ackedUs ? write : newest));
}
