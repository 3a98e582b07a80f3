import type { Cluster, Redis } from 'ioredis';
import { hashTagServedBy, tagLandsOn } from './slot-hash-tags';
import { RedisTrackingConnection } from './tracking-connection';
import {
  TrackingPath,
  type TrackingCounters,
  type TrackingEvents,
  type TrackingSource,
  type TrackingTransport,
} from './tracking-path';

/**
 * How often the slot map is asked for again. A master that joins (a failover, a reshard to a
 * new node) reports nothing to anyone until it is tracked; from the first refresh that shows
 * it, L1 is bypassed until its path is proven. So this bounds the time its writes go unseen.
 */
const TOPOLOGY_REFRESH_MS = 1000;

/** How long a lost cluster-node connection waits before it tries again. */
const reconnectDelay = (attempt: number): number => Math.min(100 * attempt, 1000);

/** The hash tag a master's probes carry: one of a slot that master serves. */
interface ProbeAim {
  tag?: string;
}

interface Member {
  path: TrackingPath;
  aim: ProbeAim;
}

/**
 * Server-assisted invalidation on a Redis Cluster. Each master reports only the changes of
 * its own slots, so every master gets a TrackingPath of its own (its own two connections,
 * its own probes, written under a hash tag of a slot that master serves).
 *
 * The whole is live only while every master in the slot map has a live path: one master not
 * heard is a third of the keys whose changes go unseen, so L1 is bypassed for every key
 * until it is proven, and then starts empty (simpler to reason about than bypassing some
 * slots, and a master is lost only for seconds). The slot map is asked for again every
 * TOPOLOGY_REFRESH_MS; a master that appears is tracked, one that is gone is let go.
 * Resharding between tracked masters needs nothing: MIGRATE reports the key on both sides.
 */
export class ClusterTracking implements TrackingSource {
  live = false;
  private readonly members = new Map<string, Member>();
  /** The masters of the slot map when it was last read. */
  private masters: string[] = [];
  private outages = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly onRefresh = (): void => this.reconcile();

  constructor(
    private readonly cluster: Cluster,
    private readonly scopePrefix: string,
    private readonly probePrefix: string,
    private readonly events: TrackingEvents,
    private readonly log: (message: string) => void,
  ) {}

  get counters(): TrackingCounters {
    const counters: TrackingCounters = { reports: 0, keys: 0, outages: this.outages };
    for (const { path } of this.members.values()) {
      counters.reports += path.counters.reports;
      counters.keys += path.counters.keys;
    }
    return counters;
  }

  lastReportAgeMs(): number | null {
    const ages = [...this.members.values()]
      .map(({ path }) => path.lastReportAgeMs())
      .filter((age): age is number => age !== null);
    return ages.length === 0 ? null : Math.min(...ages);
  }

  start(): void {
    if (this.timer || this.closed) return;
    this.cluster.on('refresh', this.onRefresh);
    this.timer = setInterval(() => this.cluster.refreshSlotsCache(), TOPOLOGY_REFRESH_MS).unref();
    this.reconcile();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.live = false;
    if (this.timer) clearInterval(this.timer);
    this.cluster.off('refresh', this.onRefresh);
    const members = [...this.members.values()];
    this.members.clear();
    await Promise.all(members.map(({ path }) => path.close()));
  }

  /** Tracks every master of the slot map, and lets go of nodes that no longer are one. */
  private reconcile(): void {
    if (this.closed) return;
    const masters = [...new Set(this.cluster.slots.map((owners) => owners?.[0]).filter(Boolean))] as string[];
    const pool = new Map(
      this.cluster.nodes('master').map((node): [string, Redis] => [`${node.options.host}:${node.options.port}`, node]),
    );
    this.masters = masters;
    for (const [address, member] of this.members) {
      if (masters.includes(address)) continue;
      this.members.delete(address);
      void member.path.close();
    }
    for (const address of masters) {
      const node = pool.get(address);
      if (!this.members.has(address) && node) this.members.set(address, this.track(address, node));
    }
    const untracked = masters.find((address) => !this.members.get(address)?.path.live);
    this.judge(untracked ? `cluster master ${untracked} is not tracked yet` : 'the cluster has no slot map yet');
  }

  private track(address: string, node: Redis): Member {
    const connection = new RedisTrackingConnection(node, [this.scopePrefix, this.probePrefix], {
      retryStrategy: reconnectDelay,
    });
    const aim: ProbeAim = {};
    const transport: TrackingTransport = {
      open: (handlers) => connection.open(handlers),
      probe: (key) => this.probe(address, aim, key),
      restart: () => connection.restart(),
      close: () => connection.close(),
    };
    const path = new TrackingPath(
      transport,
      this.scopePrefix,
      this.probePrefix,
      {
        invalidate: (keys) => this.events.invalidate(keys),
        clear: (prefix) => this.events.clear(prefix),
        lost: (reason) => this.judge(`cluster master ${address}: ${reason}`),
        regained: () => this.judge('unreachable'),
        refused: (reason) => this.events.refused(reason),
      },
      (message) => this.log(`${message} [cluster master ${address}]`),
    );
    path.start();
    return { path, aim };
  }

  /** Writes the probe under a hash tag of a slot this master serves now, through the cluster client. */
  private probe(address: string, aim: ProbeAim, key: string): Promise<unknown> {
    const slots = this.cluster.slots;
    if (aim.tag === undefined || !tagLandsOn(aim.tag, address, slots)) aim.tag = hashTagServedBy(address, slots);
    // A master that serves no slot any more is let go at the next refresh.
    if (aim.tag === undefined) return Promise.resolve();
    const probeKey = `${key}:{${aim.tag}}`;
    return this.cluster.pipeline().set(probeKey, '1', 'PX', 10_000).del(probeKey).exec();
  }

  /** Live exactly while every master of the slot map has a live path. */
  private judge(reasonIfNot: string): void {
    if (this.closed) return;
    const allLive =
      this.masters.length > 0 && this.masters.every((address) => this.members.get(address)?.path.live === true);
    if (allLive && !this.live) {
      this.live = true;
      this.events.regained();
    } else if (!allLive && this.live) {
      this.live = false;
      this.outages++;
      this.events.lost(reasonIfNot);
    }
  }
}
