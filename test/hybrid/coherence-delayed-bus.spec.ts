import { setTimeout as sleep } from 'node:timers/promises';
import { BACKEND_UNDER_TEST, scenarioSeed } from './coherence/coherence-env';
import { expectCoherent } from './coherence/coherence-verdict';
import { monotonicNowUs, type OperationRecord } from './coherence/operation-log';
import { judgeTroubledReads, proxiedWorkerRig } from './coherence/proxied-worker-rig';
import { READ_HEAVY_MIX, READ_ONLY_MIX, smallKeySpace } from './coherence/workload';

/** The worker whose connections go through the proxy. It only reads, as in the muted test: its own writes would refresh its L1. */
const DELAYED_WORKER = 0;
/**
 * How late its subscription delivers: longer than BUS_STALENESS_BOUND_MS, so a bus that
 * took a late heartbeat as proof of health would serve values this much out of date.
 */
const DELAY_MS = 5000;
const DELAY_AFTER_MS = 1000;
/**
 * How long the delayed burst reads with the delay on; it is then halted, however many
 * operations it ran. Long enough for the bus to be lost (after BUS_SILENCE_LIMIT_MS),
 * regained on a new subscriber connection whose first heartbeat comes back DELAY_MS late,
 * and then to run for several seconds more with the lag.
 */
const DELAYED_FOR_MS = 16_000;
/** The burst before it, with nothing delayed: L1s warm, the bus in use. */
const PLAIN_BURST_MS = 3000;
/** The burst around the delay: a bus that stays live with the lag serves values DELAY_MS old. */
const DELAYED_BURST = 1;

const proxiedRig = proxiedWorkerRig();
const { rig } = proxiedRig;

describe('TcpProxy.delaySubscribers', () => {
  it('delivers what the server sends to pub/sub connections late and in order, and nothing else late', async () => {
    const { proxy } = proxiedRig;
    await proxiedRig.withClientsViaProxy(async (subscriber, commands) => {
      try {
        const received: [string, number][] = [];
        subscriber.on('message', (_channel, message) => received.push([message, performance.now()]));
        await subscriber.subscribe('probe');
        proxy.delaySubscribers(600);
        const sentAt = performance.now();
        for (const message of ['one', 'two', 'three']) await rig.raw.publish('probe', message);
        const commandStarted = performance.now();
        await commands.set('delay-probe', 'answered');
        expect(await commands.get('delay-probe')).toBe('answered');
        const commandMs = performance.now() - commandStarted;
        await sleep(300);
        expect(received).toEqual([]);
        await sleep(1500);
        expect(received.map(([message]) => message)).toEqual(['one', 'two', 'three']);
        // Late by the delay at least; commands were not held (their answer came before any message).
        for (const [, at] of received) expect(at - sentAt).toBeGreaterThanOrEqual(590);
        expect(received[0][1] - sentAt).toBeGreaterThan(commandMs);
        expect(proxy.delayedSubscriberBytes).toBeGreaterThan(0);
        proxy.delaySubscribers(0);
        await rig.raw.publish('probe', 'prompt');
        await sleep(200);
        expect(received.map(([message]) => message)).toEqual(['one', 'two', 'three', 'prompt']);
      } finally {
        proxy.delaySubscribers(0);
      }
    });
  });
});

it('a process whose subscription delivers 5 s late for 16 s serves no read staler than BUS_STALENESS_BOUND_MS, and converges while still late', async () => {
  const { proxy } = proxiedRig;
  const fleet = await proxiedRig.startFleet(DELAYED_WORKER);
  let delayedAtUs = Number.POSITIVE_INFINITY;
  let undelayedAtUs = Number.POSITIVE_INFINITY;
  let delayedBytes = 0;
  const result = await rig.runScenario({
    keys: smallKeySpace(16, 6),
    // Bursts ended by time (halted), not by a number of operations: on a loaded machine a
    // process that reads from Redis (its bus lost) may not keep up the rate, and the test is
    // about the time with the delay on.
    bursts: 2,
    operations: 40_000,
    ratePerSecond: 2000,
    seed: scenarioSeed(5),
    mix: (worker) => (worker === DELAYED_WORKER ? READ_ONLY_MIX : READ_HEAVY_MIX),
    duringBurst: async (burst) => {
      if (burst !== DELAYED_BURST) {
        await sleep(PLAIN_BURST_MS);
        await fleet.halt();
        return;
      }
      await sleep(DELAY_AFTER_MS);
      proxy.delaySubscribers(DELAY_MS);
      delayedAtUs = monotonicNowUs();
      await sleep(DELAYED_FOR_MS);
      await fleet.halt();
    },
    // The delayed burst's convergence check ran with the delay on: the worker must not
    // have served what it had not heard about yet.
    afterBurst: async (burst) => {
      if (burst !== DELAYED_BURST) return;
      delayedBytes = proxy.delayedSubscriberBytes;
      proxy.delaySubscribers(0);
      undelayedAtUs = monotonicNowUs();
    },
  });
  const delayedRead = (read: OperationRecord) =>
    read.worker === DELAYED_WORKER && read.issuedUs >= delayedAtUs && read.issuedUs < undelayedAtUs + DELAY_MS * 1000;
  // As with a mute: an invalidation that comes late is the same as a lost one until the
  // lag is known, which must take no longer than BUS_STALENESS_BOUND_MS.
  const report = judgeTroubledReads(
    `${BACKEND_UNDER_TEST}, 3 processes, one subscription delayed ${DELAY_MS} ms`,
    result,
    {
      troubled: delayedRead,
      staleReadsFigure: 'stale reads of the delayed process while delayed',
      quantiles: [0.5, 0.99],
      figures: { 'subscriber bytes delayed': delayedBytes },
    },
  );

  expect(delayedBytes).toBeGreaterThan(0);
  expectCoherent(report, result);
}, 300_000);
