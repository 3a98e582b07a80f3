import { setTimeout as sleep } from 'node:timers/promises';
import { BACKEND_UNDER_TEST, STORE_PREFIX } from './coherence/coherence-env';
import { type Divergence, findDivergences } from './coherence/convergence-check';
import { quantile } from './coherence/coherence-figures';
import { monotonicNowUs, type KeyReadings, type OperationRecord } from './coherence/operation-log';
import { standaloneRig } from './coherence/standalone-rig';
import { readStoredValues } from './coherence/stored-values';
import { type KeySpace, READ_ONLY_MIX } from './coherence/workload';

const COMMAND_TIMEOUT_MS = 200;
/** The command bound plus wide room for a loaded 2-core machine (the slowest call measured here took about 215 ms). */
const MAX_CALL_MS = 1500;
const HUNG_MS = 3000;
/** Into the burst before Redis hangs: L1 is warm, the bus in use. */
const HANG_AFTER_MS = 1000;
/** After SIGCONT, every process must agree with Redis within this. */
const CONVERGE_WITHIN_MS = 2000;
const POLL_EVERY_MS = 100;

const WRITTEN = ['v0', 'v1', 'v2'];
const WARM = ['v3', 'v4', 'v5', 'v6', 'v7', 'v8', 'v9', 'v10', 'v11'];
const ALL = [...WRITTEN, ...WARM];
/** Worker 0 reads everything and writes WRITTEN; worker 1 only reads. Nobody writes WARM. */
const WRITER_KEYS: KeySpace = { valueKeys: ALL, counterKeys: [], writableValueKeys: WRITTEN };
const READER_KEYS: KeySpace = { valueKeys: ALL, counterKeys: [] };

const rig = standaloneRig();

/** A reading agrees with Redis if every value it holds is one Redis held just before or just after it was taken. */
function disagreements(readings: KeyReadings[], before: KeyReadings, after: KeyReadings): Divergence[] {
  const afterOnly = new Set(findDivergences(readings, after).map((d) => `${d.worker}/${d.key}`));
  return findDivergences(readings, before).filter((d) => afterOnly.has(`${d.worker}/${d.key}`));
}

it('Redis hung for 3 s under load: no call throws or outlasts the bound, warm keys keep answering from L1, and every process agrees with Redis within 2 s of its return', async () => {
  const env = rig.workerEnv(BACKEND_UNDER_TEST, { REDIS_COMMAND_TIMEOUT_MS: String(COMMAND_TIMEOUT_MS) });
  const fleet = await rig.startFleet([env, env]);
  await rig.raw.mset(Object.fromEntries(ALL.map((key, n) => [STORE_PREFIX + key, JSON.stringify({ w: -1, n })])));
  // Twice: the first read fills L1 from Redis, the second shows it answered.
  await fleet.readAll(ALL);
  const warm = await fleet.readAll(ALL);
  expect(warm.map((reading) => Object.keys(reading).length)).toEqual([ALL.length, ALL.length]);

  // Planned far longer than the test needs: the bursts are halted once Redis is back.
  const bursts = fleet.burst((worker) => ({
    seed: 50 + worker,
    operations: 60_000,
    ratePerSecond: 1500,
    lanes: 4,
    mix: worker === 0 ? { ...READ_ONLY_MIX, get: 80, set: 20 } : READ_ONLY_MIX,
    keys: worker === 0 ? WRITER_KEYS : READER_KEYS,
  }));
  await sleep(HANG_AFTER_MS);
  rig.server.pause();
  const hungAtUs = monotonicNowUs();
  await sleep(HUNG_MS);
  rig.server.resume();
  const backAtUs = monotonicNowUs();
  await fleet.halt();
  const outcomes = await bursts;

  let agreedAfterMs: number | undefined;
  let lastDisagreements: Divergence[] = [];
  while ((monotonicNowUs() - backAtUs) / 1000 < CONVERGE_WITHIN_MS) {
    const before = await readStoredValues(rig.raw, STORE_PREFIX, ALL);
    const readings = await fleet.readAll(ALL);
    const after = await readStoredValues(rig.raw, STORE_PREFIX, ALL);
    lastDisagreements = disagreements(readings, before, after);
    if (lastDisagreements.length === 0) {
      agreedAfterMs = (monotonicNowUs() - backAtUs) / 1000;
      break;
    }
    await sleep(POLL_EVERY_MS);
  }
  // Nothing writes any more: from here on the agreement must be exact and stay.
  await sleep(500);
  const finalDivergences = findDivergences(
    await fleet.readAll(ALL),
    await readStoredValues(rig.raw, STORE_PREFIX, ALL),
  );

  const records: OperationRecord[] = outcomes.flatMap((outcome) => outcome.records);
  const latencies = records.map((record) => (record.ackedUs - record.issuedUs) / 1000).sort((a, b) => a - b);
  const duringHang = (record: OperationRecord) => record.issuedUs >= hungAtUs && record.issuedUs < backAtUs;
  const warmReadsDuringHang = records.filter(
    (record) => record.kind === 'get' && WARM.includes(record.key!) && duringHang(record),
  );
  const writesDuringHang = records.filter((record) => record.kind === 'set' && duringHang(record));
  console.log(
    `${BACKEND_UNDER_TEST}, Redis hung ${HUNG_MS} ms: operations ${records.length}, during the hang ${records.filter(duringHang).length} ` +
      `(warm reads ${warmReadsDuringHang.length}, of which misses ${warmReadsDuringHang.filter((r) => r.value === undefined).length}; writes ${writesDuringHang.length}), ` +
      `call latency p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms, max ${(latencies[latencies.length - 1] ?? 0).toFixed(1)} ms, ` +
      `backend faults ${outcomes.map((o) => o.backendFaults).join('/')}, agreed with Redis ${agreedAfterMs === undefined ? 'never' : `${agreedAfterMs.toFixed(0)} ms`} after SIGCONT`,
  );

  expect(records.filter((record) => record.error).slice(0, 3)).toEqual([]);
  expect(outcomes.map((outcome) => outcome.unhandledRejections)).toEqual([0, 0]);
  expect(latencies[latencies.length - 1]).toBeLessThan(MAX_CALL_MS);
  expect(outcomes.every((outcome) => outcome.backendFaults > 0)).toBe(true);
  expect(warmReadsDuringHang.length).toBeGreaterThan(1000);
  expect(warmReadsDuringHang.filter((record) => record.value === undefined).slice(0, 3)).toEqual([]);
  expect(writesDuringHang.length).toBeGreaterThan(100);
  expect(lastDisagreements).toEqual([]);
  expect(agreedAfterMs).toBeLessThan(CONVERGE_WITHIN_MS);
  expect(finalDivergences).toEqual([]);
}, 120_000);
