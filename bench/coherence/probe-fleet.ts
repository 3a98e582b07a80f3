import { startAll } from '../../test/helpers/start-all';
import type { ProbeCacheKind } from './messages';
import { ProbeProcess } from './probe-process';

/** Probe keys in rotation, so consecutive probes do not all land on one key. */
const PROBE_KEYS = 8;

/** What one batch of probes measured. */
export interface ProbeResults {
  /** Write acknowledged in one process → the new value read in another, one per reader and probe. */
  delaysMs: number[];
  /** Reads that did not see the new value within the bound. */
  unseen: number;
  /** Reads that saw it before the writer had its acknowledgement (counted as 0 ms). */
  early: number;
  /** Writes the writer's cache reported as failed. */
  failedWrites: number;
}

export interface LoadReport {
  writesPerSecond: number;
  failed: number;
}

/**
 * Processes that each run the same caches on one Redis. A probe makes one process write a
 * new version of a key that the others hold in L1 and are reading in a loop; the delay is
 * the time from the writer's acknowledgement to each reader's first read of the new version.
 * Both times come from process.hrtime.bigint(), CLOCK_MONOTONIC, which all processes share.
 */
export class ProbeFleet {
  private version = 0;

  private constructor(private readonly processes: ProbeProcess[]) {}

  static async start(kinds: readonly ProbeCacheKind[], redisPort: number, size: number): Promise<ProbeFleet> {
    const processes = await startAll(
      Array.from({ length: size }, () => ProbeProcess.start(kinds, redisPort)),
      (member) => member.close(),
    );
    return new ProbeFleet(processes);
  }

  /** `count` probes of one cache, one after the other, the writer rotating over the processes. */
  async probe(cache: ProbeCacheKind, count: number): Promise<ProbeResults> {
    const results: ProbeResults = { delaysMs: [], unseen: 0, early: 0, failedWrites: 0 };
    for (let n = 0; n < count; n++) {
      const version = ++this.version;
      const key = `probe:${cache}:${version % PROBE_KEYS}`;
      const writer = this.processes[version % this.processes.length];
      const readers = this.processes.filter((member) => member !== writer);
      for (const reader of readers) reader.send({ type: 'watch', cache, key, version });
      await Promise.all(readers.map((reader) => reader.next('watching')));
      writer.send({ type: 'write', cache, key, version });
      const written = await writer.next('written');
      if (!written.ok) results.failedWrites++;
      for (const seen of await Promise.all(readers.map((reader) => reader.next('seen')))) {
        if (seen.at === null) {
          results.unseen++;
          continue;
        }
        const delayNs = Number(BigInt(seen.at) - BigInt(written.at));
        if (delayNs < 0) results.early++;
        results.delaysMs.push(Math.max(0, delayNs) / 1e6);
      }
    }
    return results;
  }

  /** Starts background writes to one cache, `writesPerSecond` in all, shared evenly by the processes. */
  load(cache: ProbeCacheKind, writesPerSecond: number): void {
    for (const member of this.processes)
      member.send({ type: 'load', cache, writesPerSecond: writesPerSecond / this.processes.length });
  }

  /** Stops them and reports the rate the fleet actually wrote at. */
  async unload(): Promise<LoadReport> {
    for (const member of this.processes) member.send({ type: 'unload' });
    const reports = await Promise.all(this.processes.map((member) => member.next('unloaded')));
    return {
      writesPerSecond: reports.reduce((sum, report) => sum + report.writes / report.seconds, 0),
      failed: reports.reduce((sum, report) => sum + report.failed, 0),
    };
  }

  /** Bus outages of one cache, summed over the processes. */
  async busOutages(cache: ProbeCacheKind): Promise<number> {
    for (const member of this.processes) member.send({ type: 'report', cache });
    const reports = await Promise.all(this.processes.map((member) => member.next('report')));
    return reports.reduce((sum, report) => sum + report.busOutages, 0);
  }

  async close(): Promise<void> {
    await Promise.all(this.processes.map((member) => member.close()));
  }
}
