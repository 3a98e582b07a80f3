import { startAll } from '../../test/helpers/start-all';
import { payload } from '../support/payload';
import type { ProbeCacheKind, ProbeValue } from './messages';
import { ProbeProcess } from './probe-process';

/** Probe keys in rotation, so consecutive probes do not all land on one key. */
const PROBE_KEYS = 8;

/** What one batch of probes measured. */
export interface ProbeResults {
  /** Write acknowledged → the new value read in a process, one per reader and probe. */
  delaysMs: number[];
  /** Reads that did not see the new value within the bound. */
  unseen: number;
  /** Reads that saw it before the writer had its acknowledgement (counted as 0 ms). */
  early: number;
  /** Writes the writer's cache reported as failed. */
  failedWrites: number;
}

/** A write acknowledged: when (process.hrtime.bigint() of the writer), and whether it succeeded. */
export interface Written {
  at: bigint;
  ok: boolean;
}

/** Writes `value` to the cache key `key` as another program would, and says when Redis acknowledged it. */
export type ForeignWrite = (key: string, value: ProbeValue) => Promise<Written>;

/** What a foreign write stores besides its version: a payload of the usual size. */
const FOREIGN_BODY = payload(0);

export interface LoadReport {
  writesPerSecond: number;
  failed: number;
}

/**
 * Processes that each run the same caches on one Redis. A probe makes one process (or a
 * client outside the fleet) write a new version of a key that the others hold in L1 and are
 * reading in a loop; the delay is the time from the writer's acknowledgement to each
 * reader's first read of the new version.
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
  probe(cache: ProbeCacheKind, count: number): Promise<ProbeResults> {
    return this.probes(cache, count, undefined, (key, version) => {
      const writer = this.processes[version % this.processes.length];
      return {
        readers: this.processes.filter((member) => member !== writer),
        write: async () => {
          writer.send({ type: 'write', cache, key, version });
          const written = await writer.next('written');
          return { at: BigInt(written.at), ok: written.ok };
        },
      };
    });
  }

  /**
   * `count` probes of one cache written by `write`, a client outside the fleet that does
   * not use the module: every process reads. A reader gives up `boundMs` after it started
   * watching (2 s if unset), just before the write.
   */
  probeForeign(cache: ProbeCacheKind, count: number, write: ForeignWrite, boundMs?: number): Promise<ProbeResults> {
    return this.probes(cache, count, boundMs, (key, version) => ({
      readers: this.processes,
      write: () => write(key, { version, body: FOREIGN_BODY }),
    }));
  }

  /**
   * Writes every probe key of one cache once through `write`, so that the first watch of each
   * finds a value to hold in L1. A reader watching a key that does not exist holds nothing,
   * reads Redis in its loop and sees any write at once, which measures no invalidation.
   */
  async seedForeign(cache: ProbeCacheKind, write: ForeignWrite): Promise<void> {
    for (let n = 0; n < PROBE_KEYS; n++) {
      const written = await write(`probe:${cache}:${n}`, { version: 0, body: FOREIGN_BODY });
      if (!written.ok) throw new Error(`could not seed probe key ${n} of ${cache}`);
    }
  }

  private async probes(
    cache: ProbeCacheKind,
    count: number,
    boundMs: number | undefined,
    probeOf: (key: string, version: number) => { readers: ProbeProcess[]; write: () => Promise<Written> },
  ): Promise<ProbeResults> {
    const results: ProbeResults = { delaysMs: [], unseen: 0, early: 0, failedWrites: 0 };
    for (let n = 0; n < count; n++) {
      const version = ++this.version;
      const key = `probe:${cache}:${version % PROBE_KEYS}`;
      const { readers, write } = probeOf(key, version);
      for (const reader of readers) reader.send({ type: 'watch', cache, key, version, boundMs });
      await Promise.all(readers.map((reader) => reader.next('watching')));
      const written = await write();
      if (!written.ok) results.failedWrites++;
      for (const seen of await Promise.all(readers.map((reader) => reader.next('seen')))) {
        if (seen.at === null) {
          results.unseen++;
          continue;
        }
        const delayNs = Number(BigInt(seen.at) - written.at);
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
