import { setTimeout as sleep } from 'node:timers/promises';
import { L1_MODE_UNDER_TEST } from '../helpers/l1-invalidation';
import { until } from '../helpers/until';
import { BACKEND_UNDER_TEST } from './coherence/coherence-env';
import { expectCoherent } from './coherence/coherence-verdict';
import { monotonicNowUs, type OperationRecord } from './coherence/operation-log';
import { judgeTroubledReads, proxiedWorkerRig } from './coherence/proxied-worker-rig';
import { READ_HEAVY_MIX, READ_ONLY_MIX, smallKeySpace } from './coherence/workload';

/**
 * The worker whose connections go through the proxy; the others reach Redis directly. It
 * only reads: its own writes would refresh its L1 and hide how stale the rest becomes.
 */
const LAGGED_WORKER = 0;
/** Burst 1: from 1 s in, its subscription delivers everything later and later, up to 5 s late. */
const LAG_BURST = 1;
const LAG_MS = 5000;
/** Burst 2: its subscriber is killed (lost, then heard again), and only then lags, up to 4 s. */
const LAG_AFTER_REGAIN_BURST = 2;
const LAG_AFTER_REGAIN_MS = 4000;
/**
 * The lag grows as on a link that congests: 400 ms more every 500 ms. A heartbeat then
 * still comes back every 900 ms at most, so a process that took any heartbeat for health
 * would never notice, and would serve reads 5 s stale.
 */
const LAG_STEP_MS = 400;
const LAG_STEP_EVERY_MS = 500;

const proxiedRig = proxiedWorkerRig();
const { rig } = proxiedRig;

async function pubsubClients(): Promise<number> {
  const list = String(await rig.raw.call('CLIENT', 'LIST', 'TYPE', 'pubsub'));
  return list.split('\n').filter((line) => line.trim() !== '').length;
}

it('a process whose subscription lags (everything delivered, up to 5 s late) serves no read staler than BUS_STALENESS_BOUND_MS, nor when the lag starts after a loss and a recovery', async () => {
  const { proxy } = proxiedRig;
  await proxiedRig.startFleet(LAGGED_WORKER);
  const windows: { fromUs: number; toUs: number }[] = [];
  const delayed: number[] = [];
  let killed = 0;
  const lag = async (upToMs: number) => {
    windows.push({ fromUs: monotonicNowUs(), toUs: Number.POSITIVE_INFINITY });
    for (let ms = LAG_STEP_MS; ms < upToMs; ms += LAG_STEP_MS) {
      proxy.delaySubscribers(ms);
      await sleep(LAG_STEP_EVERY_MS);
    }
    proxy.delaySubscribers(upToMs);
  };
  const result = await rig.runScenario({
    keys: smallKeySpace(16, 6),
    bursts: 3,
    // 10 s bursts: the lag reaches its top and stays there for seconds. A modest rate, so
    // that the bursts keep pace on a loaded machine.
    operations: 15_000,
    ratePerSecond: 1500,
    seed: 5,
    mix: (worker) => (worker === LAGGED_WORKER ? READ_ONLY_MIX : READ_HEAVY_MIX),
    duringBurst: async (burst) => {
      if (burst === LAG_BURST) {
        await sleep(1000);
        await lag(LAG_MS);
      }
      if (burst === LAG_AFTER_REGAIN_BURST) {
        await sleep(500);
        killed = Number(await rig.raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub'));
        // Every worker subscribed again, the lagged one through the proxy: its bus is heard again.
        // With tracking each has a second subscriber, for Redis's reports.
        const subscribersPerWorker = L1_MODE_UNDER_TEST === 'tracking' ? 2 : 1;
        await until(
          async () => (await pubsubClients()) === 3 * subscribersPerWorker,
          'the subscribers to be back',
          10_000,
        );
        await sleep(500);
        await lag(LAG_AFTER_REGAIN_MS);
      }
    },
    afterBurst: async (burst) => {
      if (burst !== LAG_BURST && burst !== LAG_AFTER_REGAIN_BURST) return;
      delayed.push(proxy.delayedSubscriberBytes);
      proxy.delaySubscribers(0);
      windows[windows.length - 1].toUs = monotonicNowUs();
      // What the proxy still holds arrives when due; the next burst starts without it.
      await sleep(LAG_MS + 500);
    },
  });
  const laggedRead = (read: OperationRecord) =>
    read.worker === LAGGED_WORKER && windows.some((w) => read.issuedUs >= w.fromUs && read.issuedUs < w.toUs);
  // A late invalidation is served for at most BUS_STALENESS_BOUND_MS: by then the lag is
  // known and every read goes to Redis. It gets the same allowance for stalls as every other read.
  const report = judgeTroubledReads(`${BACKEND_UNDER_TEST}, 3 processes, one subscription lagging`, result, {
    troubled: laggedRead,
    staleReadsFigure: 'stale reads of the lagged process while lagging',
    quantiles: [0.99],
    figures: { 'subscriber bytes delayed': delayed.join(', ') },
  });

  // Both lags reached the subscription, and the kill found the subscribers.
  expect(delayed).toHaveLength(2);
  for (const bytes of delayed) expect(bytes).toBeGreaterThan(0);
  expect(killed).toBeGreaterThanOrEqual(3);
  expectCoherent(report, result);
}, 180_000);
