import { setTimeout as sleep } from 'node:timers/promises';
import { BUS_STALENESS_BOUND_MS } from '../../src/bus/bus-timing';
import { BACKEND_UNDER_TEST, ONLINE_BOUND_MS } from './coherence/coherence-env';
import { expectCoherent } from './coherence/coherence-verdict';
import { monotonicNowUs, type OperationRecord } from './coherence/operation-log';
import { judgeTroubledReads, proxiedWorkerRig } from './coherence/proxied-worker-rig';
import { READ_HEAVY_MIX, READ_ONLY_MIX, smallKeySpace } from './coherence/workload';

/**
 * The worker whose connections go through the proxy; the others reach Redis directly. It
 * only reads: its own writes would refresh its L1 and hide how stale the rest becomes.
 */
const MUTED_WORKER = 0;
/** Into the muted burst: time for every L1 to be warm and the bus to be in use. */
const MUTE_AFTER_MS = 1000;
/** The burst around the mute, of 4 s: the silence is noticed within BUS_STALENESS_BOUND_MS, leaving a second of reads after it. */
const MUTED_BURST = 1;

const proxiedRig = proxiedWorkerRig();
const { rig } = proxiedRig;

describe('TcpProxy.muteSubscribers', () => {
  it('drops only what the server sends to pub/sub connections, without closing them, and resets them when lifted', async () => {
    const { proxy } = proxiedRig;
    await proxiedRig.withClientsViaProxy(async (subscriber, commands) => {
      const received: string[] = [];
      subscriber.on('message', (_channel, message) => received.push(message));
      await subscriber.subscribe('probe');
      await rig.raw.publish('probe', 'before');
      await sleep(100);
      expect(received).toEqual(['before']);

      let closed = false;
      subscriber.once('close', () => (closed = true));
      proxy.muteSubscribers();
      await rig.raw.publish('probe', 'during');
      await commands.set('mute-probe', 'still answered');
      expect(await commands.get('mute-probe')).toBe('still answered');
      await sleep(300);
      expect(received).toEqual(['before']);
      expect(closed).toBe(false);
      expect(proxy.mutedSubscriberConnections).toBe(1);
      expect(proxy.droppedSubscriberBytes).toBeGreaterThan(0);

      // Lifting the mute resets the connection; the client resubscribes by itself.
      subscriber.on('error', () => undefined);
      const back = new Promise((resolve) => subscriber.once('ready', resolve));
      proxy.unmuteSubscribers();
      await back;
      await sleep(100);
      await rig.raw.publish('probe', 'after');
      await sleep(100);
      expect(received).toEqual(['before', 'after']);
    });
  });
});

it('a process whose subscription silently stops delivering serves no stale read once BUS_STALENESS_BOUND_MS has passed, and converges', async () => {
  const { proxy } = proxiedRig;
  await proxiedRig.startFleet(MUTED_WORKER);
  let mutedAtUs = Number.POSITIVE_INFINITY;
  let unmutedAtUs = Number.POSITIVE_INFINITY;
  let droppedBytes = 0;
  const result = await rig.runScenario({
    keys: smallKeySpace(16, 6),
    bursts: 3,
    operations: 12_000,
    ratePerSecond: 3000,
    seed: 3,
    mix: (worker) => (worker === MUTED_WORKER ? READ_ONLY_MIX : READ_HEAVY_MIX),
    duringBurst: async (burst) => {
      if (burst !== MUTED_BURST) return;
      await sleep(MUTE_AFTER_MS);
      proxy.muteSubscribers();
      mutedAtUs = monotonicNowUs();
    },
    // The muted burst's convergence check ran with the mute on; the next burst runs with the bus back.
    afterBurst: async (burst) => {
      if (burst !== MUTED_BURST) return;
      droppedBytes = proxy.droppedSubscriberBytes;
      proxy.unmuteSubscribers();
      unmutedAtUs = monotonicNowUs();
    },
  });
  const mutedRead = (read: OperationRecord) =>
    read.worker === MUTED_WORKER && read.issuedUs >= mutedAtUs && read.issuedUs < unmutedAtUs;
  // A lost invalidation is served for at most BUS_STALENESS_BOUND_MS, and once that much
  // has passed since the mute, the silence is known and every read goes to Redis. Both
  // get the same allowance for stalls as every other read.
  const silenceKnownUs = mutedAtUs + (BUS_STALENESS_BOUND_MS + ONLINE_BOUND_MS) * 1000;
  const report = judgeTroubledReads(`${BACKEND_UNDER_TEST}, 3 processes, one subscription muted`, result, {
    troubled: mutedRead,
    allowedStale: (read) => mutedRead(read) && read.issuedUs < silenceKnownUs,
    staleReadsFigure: 'stale reads of the muted process while muted',
    quantiles: [0.99],
    figures: { 'subscriber bytes dropped': droppedBytes },
  });

  expect(droppedBytes).toBeGreaterThan(0);
  expectCoherent(report, result);
}, 300_000);
