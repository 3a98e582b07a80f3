import { Redis } from 'ioredis';
import { BUS_STALENESS_BOUND_MS } from '../../../src/bus/bus-timing';
import { TcpProxy } from '../../helpers/tcp-proxy';
import { checkCoherence, type CoherenceReport } from './coherence-checker';
import { ONLINE_BOUND_MS } from './coherence-env';
import type { CoherenceFleet } from './coherence-fleet';
import { quantile } from './coherence-figures';
import type { ScenarioResult } from './coherence-scenario';
import { judgeScenario } from './coherence-verdict';
import type { OperationRecord } from './operation-log';
import { standaloneRig, type StandaloneRig } from './standalone-rig';

export interface ProxiedWorkerRig {
  readonly rig: StandaloneRig;
  /** The proxy in front of the rig's server (set once beforeAll ran). */
  readonly proxy: TcpProxy;
  /** Three workers: `proxiedWorker` reaches Redis (its bus too) through the proxy, the others directly. */
  startFleet(proxiedWorker: number): Promise<CoherenceFleet>;
  /** Runs `test` with two clients connected through the proxy, one to subscribe and one for commands; disconnects them after. */
  withClientsViaProxy(test: (subscriber: Redis, commands: Redis) => Promise<void>): Promise<void>;
}

/**
 * The standalone rig with a TcpProxy in front of its server, for the tests that trouble
 * one worker's bus (mute it, delay it) while the others and Redis carry on. Installs the
 * rig's hooks, then the proxy's.
 */
export function proxiedWorkerRig(): ProxiedWorkerRig {
  const rig = standaloneRig();
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await TcpProxy.start({ host: rig.server.host, port: rig.server.port });
  });
  afterAll(async () => {
    await proxy?.close();
  });
  return {
    rig,
    get proxy() {
      return proxy;
    },
    startFleet(proxiedWorker) {
      const direct = rig.workerEnv();
      const proxied = { ...direct, REDIS_HOST: proxy.host, REDIS_PORT: String(proxy.port) };
      return rig.startFleet([0, 1, 2].map((worker) => (worker === proxiedWorker ? proxied : direct)));
    },
    async withClientsViaProxy(test) {
      const viaProxy = { host: proxy.host, port: proxy.port, lazyConnect: true };
      const subscriber = new Redis(viaProxy);
      const commands = new Redis(viaProxy);
      try {
        await Promise.all([subscriber.connect(), commands.connect()]);
        await test(subscriber, commands);
      } finally {
        subscriber.disconnect();
        commands.disconnect();
      }
    },
  };
}

export interface TroubledReads {
  /** The reads of the troubled worker while its bus was in trouble: their staleness is printed. */
  troubled(read: OperationRecord): boolean;
  /**
   * The reads that may be up to BUS_STALENESS_BOUND_MS staler than the rest (a lost or late
   * invalidation is served until the trouble is known); `troubled` unless told.
   */
  allowedStale?(read: OperationRecord): boolean;
  /** The figure that counts the troubled reads that were stale, e.g. 'stale reads of the muted process while muted'. */
  staleReadsFigure: string;
  /** Which quantiles of their staleness to print besides the max. */
  quantiles: number[];
  /** Printed after the staleness figures. */
  figures: Record<string, string | number>;
}

/**
 * Judges a scenario with one troubled worker: its allowed reads against
 * BUS_STALENESS_BOUND_MS + ONLINE_BOUND_MS, every other read against ONLINE_BOUND_MS, and
 * prints how stale the troubled reads were.
 */
export function judgeTroubledReads(label: string, result: ScenarioResult, reads: TroubledReads): CoherenceReport {
  const allowedStale = reads.allowedStale ?? reads.troubled;
  const boundMs = (read: OperationRecord) =>
    allowedStale(read) ? BUS_STALENESS_BOUND_MS + ONLINE_BOUND_MS : ONLINE_BOUND_MS;
  const { stalenessMs } = checkCoherence(
    result.records.filter((record) => record.kind !== 'get' || reads.troubled(record)),
    { boundMs },
  );
  const quantileFigures = Object.fromEntries(
    reads.quantiles.map((q) => [`their p${Math.round(q * 100)}`, `${quantile(stalenessMs, q).toFixed(1)} ms`]),
  );
  return judgeScenario(label, result, {
    boundMs,
    figures: {
      [reads.staleReadsFigure]: stalenessMs.length,
      ...quantileFigures,
      'their max': `${(stalenessMs[stalenessMs.length - 1] ?? 0).toFixed(1)} ms`,
      ...reads.figures,
    },
  });
}
