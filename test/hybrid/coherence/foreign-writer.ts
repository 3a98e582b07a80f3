import { setTimeout as sleep } from 'node:timers/promises';
import calculateSlot from 'cluster-key-slot';
import { Cluster, type Redis } from 'ioredis';
import { seededRandom } from '../../helpers/seeded-random';
import { monotonicNowUs, type OperationRecord } from './operation-log';

/** The worker number of the foreign writer's records: no cache process has it. */
export const FOREIGN_WORKER = 99;

/** Reads by cache processes that returned a value a foreign writer wrote: its writes were judged, not just made. */
export function readsOfForeignValues(records: readonly OperationRecord[], foreign: readonly OperationRecord[]): number {
  const written = new Set(
    foreign.filter((record) => record.value !== undefined).map((record) => `${record.key}=${record.value}`),
  );
  return records.filter(
    (record) =>
      record.kind === 'get' && record.worker !== FOREIGN_WORKER && written.has(`${record.key}=${record.value}`),
  ).length;
}

type ForeignOperation = 'SET' | 'DEL' | 'EXPIRE 0' | 'MSET' | 'MULTI/EXEC' | 'EVAL';
const OPERATIONS: ForeignOperation[] = ['SET', 'DEL', 'EXPIRE 0', 'MSET', 'MULTI/EXEC', 'EVAL'];

/**
 * A writer that does not use the module: a raw ioredis client changing the value keys the
 * cache processes use, with SET, DEL, EXPIRE 0, MSET, MULTI/EXEC and EVAL, at a steady
 * rate. Every call is recorded as the workers record theirs (one record per key it
 * changes, each value unique), so the checker judges the caches' reads against it too.
 * (RENAME is left out here: it moves a value to another key, which breaks "each value
 * names the one write that produced it"; test/tiers/hybrid-tracking.spec.ts covers it.)
 * On a Cluster a command may not span slots: MSET and MULTI/EXEC then change the second key
 * only where it shares the first one's slot, and the first alone otherwise.
 */
export class ForeignWriter {
  private sequence = 0;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly prefix: string,
    private readonly keys: string[],
  ) {}

  /** Writes for `durationMs` at `ratePerSecond`; resolves with the records. */
  async run(seed: number, durationMs: number, ratePerSecond: number): Promise<OperationRecord[]> {
    const random = seededRandom(seed);
    const pick = () => this.keys[Math.floor(random() * this.keys.length)];
    const records: OperationRecord[] = [];
    const started = performance.now();
    for (let index = 0; performance.now() - started < durationMs; index++) {
      const waitMs = started + (index * 1000) / ratePerSecond - performance.now();
      if (waitMs >= 1) await sleep(waitMs);
      const operation = OPERATIONS[Math.floor(random() * OPERATIONS.length)];
      const [a, b] = [pick(), pick()];
      records.push(
        ...(await this.perform(operation, a, b === a ? this.keys[(this.keys.indexOf(a) + 1) % this.keys.length] : b)),
      );
    }
    return records;
  }

  private value(): string {
    return JSON.stringify({ w: FOREIGN_WORKER, n: ++this.sequence });
  }

  private async perform(operation: ForeignOperation, a: string, b: string): Promise<OperationRecord[]> {
    const [keyA, keyB] = [this.prefix + a, this.prefix + b];
    const single = this.client instanceof Cluster && calculateSlot(keyA) !== calculateSlot(keyB);
    const [valueA, valueB] = [this.value(), this.value()];
    const issuedUs = monotonicNowUs();
    const record = (key: string, kind: 'set' | 'delete', value?: string): OperationRecord => ({
      worker: FOREIGN_WORKER,
      kind,
      key,
      issuedUs,
      ackedUs: 0,
      value,
      acknowledged: true,
    });
    let written: OperationRecord[];
    switch (operation) {
      case 'SET':
        await this.client.set(keyA, valueA);
        written = [record(a, 'set', valueA)];
        break;
      case 'DEL':
        await this.client.del(keyA);
        written = [record(a, 'delete')];
        break;
      case 'EXPIRE 0':
        await this.client.expire(keyA, 0);
        written = [record(a, 'delete')];
        break;
      case 'MSET':
        if (single) await this.client.mset(keyA, valueA);
        else await this.client.mset(keyA, valueA, keyB, valueB);
        written = single ? [record(a, 'set', valueA)] : [record(a, 'set', valueA), record(b, 'set', valueB)];
        break;
      case 'MULTI/EXEC':
        if (single) await this.client.multi().set(keyA, valueA).pexpire(keyA, 300_000).exec();
        else await this.client.multi().set(keyA, valueA).del(keyB).exec();
        written = single ? [record(a, 'set', valueA)] : [record(a, 'set', valueA), record(b, 'delete')];
        break;
      case 'EVAL':
        await this.client.eval("redis.call('SET', KEYS[1], ARGV[1]) return 1", 1, keyA, valueA);
        written = [record(a, 'set', valueA)];
        break;
    }
    const ackedUs = monotonicNowUs();
    for (const entry of written) entry.ackedUs = ackedUs;
    return written;
  }
}
