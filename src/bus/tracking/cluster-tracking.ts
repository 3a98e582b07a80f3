import type { Cluster, Redis } from 'ioredis';
import { type ClusterMaster, parseClusterMasters } from './cluster-masters';
import { hashTagServedBy, tagLandsOn } from './slot-hash-tags';
import { RedisTrackingConnection } from './tracking-connection';
import {
  ownProbePrefix,
  TrackingPath,
  type TrackingCounters,
  type TrackingEvents,
  type TrackingSource,
  type TrackingTransport,
} from './tracking-path';

/**
 * How often the cluster's masters are asked for again. A master that joins (a failover, a
 * new node) reports nothing to anyone until it is tracked; from the first look that shows
 * it, L1 is bypassed until it is tracked. So this bounds the time its writes go unseen.
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
 * its own keys, so every master gets a TrackingPath of its own (its own two connections, its
 * own probes, written through the cluster client under a hash tag of a slot it serves).
 *
 * The whole is live only while every master that serves slots has a live path, and every
 * master that serves none (a new node, importing its first slot: it holds keys, reached by
 * ASK, before the slot map shows it) has tracking set up; such a master cannot be probed, as
 * no key can be written there. One master not heard is a share of the keys whose changes go
 * unseen, so L1 is bypassed for every key until it is proven, and then starts empty (simpler
 * to reason about than bypassing some slots, and a master is lost for seconds only).
 *
 * The masters come from CLUSTER NODES, asked every TOPOLOGY_REFRESH_MS on a connection the
 * cluster client already holds (where the ACL denies it, from the client's slot map, which is
 * then refreshed as often). Resharding between tracked masters needs nothing more: MIGRATE
 * reports the key on both sides.
 */
export class ClusterTracking implements TrackingSource {
  live = false;
  private readonly members = new Map<string, Member>();
  /** Masters that serve slots: each needs a live path. */
  private owners: string[] = [];
  /** Masters that serve no slot: each needs tracking set up. */
  private spares: string[] = [];
  /** The masters CLUSTER NODES listed last; undefined where it was not allowed or not answered yet. */
  private listed: ClusterMaster[] | undefined;
  private readonly retired: TrackingCounters = { reports: 0, keys: 0, outages: 0 };
  private outages = 0;
  private timer: NodeJS.Timeout | undefined;
  private looking = false;
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
    const counters: TrackingCounters = { ...this.retired, outages: this.outages };
    for (const { path } of this.members.values()) {
      counters.reports += path.counters.reports;
      counters.keys += path.counters.keys;
    }
    return counters;
  }

  /** The age of the last report of the master heard from least recently: a silent master shows. */
  lastReportAgeMs(): number | null {
    let oldest: number | null = null;
    for (const { path } of this.members.values()) {
      const age = path.lastReportAgeMs();
      if (age === null) return null;
      oldest = Math.max(oldest ?? 0, age);
    }
    return oldest;
  }

  start(): void {
    if (this.timer || this.closed) return;
    this.cluster.on('refresh', this.onRefresh);
    this.timer = setInterval(() => void this.lookAgain(), TOPOLOGY_REFRESH_MS).unref();
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

  /** CLUSTER NODES through a connection the client holds; the client's slot map is refreshed when it disagrees. */
  private async lookAgain(): Promise<void> {
    // One look at a time: a node that does not answer must not pile them up.
    if (this.looking) return;
    this.looking = true;
    // Another master each time: a dead one (before the client knows) costs one look, not every look.
    const masters = this.cluster.nodes('master');
    const node = masters[Math.floor(Math.random() * masters.length)] as Redis | undefined;
    let listed: ClusterMaster[] | undefined;
    let timer: NodeJS.Timeout | undefined;
    try {
      if (node) {
        const bound = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer')), 2 * TOPOLOGY_REFRESH_MS);
        });
        listed = parseClusterMasters(String(await Promise.race([node.call('CLUSTER', 'NODES'), bound])), this.cluster);
      }
    } catch {
      listed = undefined;
    } finally {
      clearTimeout(timer);
      this.looking = false;
    }
    if (this.closed) return;
    this.listed = listed;
    const mapped = new Set(this.slotMapOwners());
    const owners = listed?.filter((master) => master.servesSlots).map((master) => master.address);
    const agrees = owners !== undefined && owners.length === mapped.size && owners.every((a) => mapped.has(a));
    if (!agrees) this.cluster.refreshSlotsCache();
    this.reconcile();
  }

  private slotMapOwners(): string[] {
    return [...new Set(this.cluster.slots.map((owners) => owners?.[0]).filter(Boolean))] as string[];
  }

  /** Tracks every master, and lets go of nodes that no longer are one. */
  private reconcile(): void {
    if (this.closed) return;
    const fromSlotMap = this.slotMapOwners();
    const listed = this.listed ?? [];
    // A master serves slots if either view says so: the stricter rule (a live path) wins.
    this.owners = [...new Set([...fromSlotMap, ...listed.filter((m) => m.servesSlots).map((m) => m.address)])];
    this.spares = listed.filter((m) => !m.servesSlots && !this.owners.includes(m.address)).map((m) => m.address);
    const wanted = new Set([...this.owners, ...this.spares]);
    for (const [address, member] of this.members) {
      if (wanted.has(address)) continue;
      this.members.delete(address);
      this.retired.reports += member.path.counters.reports;
      this.retired.keys += member.path.counters.keys;
      void member.path.close();
    }
    const template = this.cluster.nodes('master')[0] ?? this.cluster.nodes('all')[0];
    for (const address of wanted) {
      if (this.members.has(address) || !template) continue;
      const colon = address.lastIndexOf(':');
      this.members.set(
        address,
        this.track(address, template, address.slice(0, colon), Number(address.slice(colon + 1))),
      );
    }
    this.judge();
  }

  /** A path of its own to the master at `host:port`, over connections shaped like `template` (TLS, credentials). */
  private track(address: string, template: Redis, host: string, port: number): Member {
    const ownProbes = ownProbePrefix(this.probePrefix);
    const connection = new RedisTrackingConnection(template, [this.scopePrefix, ownProbes], {
      host,
      port,
      readOnly: false,
      retryStrategy: reconnectDelay,
    });
    const aim: ProbeAim = {};
    const transport: TrackingTransport = {
      open: (handlers) => connection.open(handlers),
      probe: (key) => this.probe(address, aim, key),
      restart: () => {
        // The next probe takes another slot of this master: the last one may be in migration.
        aim.tag = undefined;
        connection.restart();
      },
      close: () => connection.close(),
    };
    const path = new TrackingPath(
      transport,
      this.scopePrefix,
      ownProbes,
      {
        invalidate: (keys) => this.events.invalidate(keys),
        clear: (prefix) => this.events.clear(prefix),
        lost: (reason) => this.judge(`cluster master ${address}: ${reason}`),
        regained: () => this.judge(),
        setUp: () => this.judge(),
        refused: (reason) => this.events.refused(reason),
      },
      (message) => this.log(`${message} [cluster master ${address}]`),
    );
    path.start();
    return { path, aim };
  }

  /** Writes the probe under a hash tag of a slot this master serves now, through the cluster client. */
  private probe(address: string, aim: ProbeAim, key: string): Promise<unknown> | undefined {
    const slots = this.cluster.slots;
    if (aim.tag === undefined || !tagLandsOn(aim.tag, address, slots)) aim.tag = hashTagServedBy(address, slots);
    // A master that serves no slot: nothing can be written there, and its path is judged by its set-up.
    if (aim.tag === undefined) return undefined;
    const probeKey = `${key}:{${aim.tag}}`;
    return this.cluster.pipeline().set(probeKey, '1', 'PX', 10_000).del(probeKey).exec();
  }

  /** Live exactly while every master that serves slots has a live path and every other master has tracking set up. */
  private judge(reason?: string): void {
    if (this.closed) return;
    const missing =
      this.owners.find((address) => this.members.get(address)?.path.live !== true) ??
      this.spares.find((address) => this.members.get(address)?.path.setUp !== true);
    const allLive = this.owners.length > 0 && missing === undefined;
    if (allLive && !this.live) {
      this.live = true;
      this.events.regained();
    } else if (!allLive && this.live) {
      this.live = false;
      this.outages++;
      this.events.lost(reason ?? `cluster master ${missing ?? '(none known)'} is not tracked yet`);
    }
  }
}
