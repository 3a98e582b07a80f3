import type { Redis, RedisOptions } from 'ioredis';
import type { RedisClient } from '../../stores/redis-topology-client';

/** Where Redis sends its reports in RESP2: a pub/sub message on this channel, keys as an array, null for a flush. */
export const INVALIDATE_CHANNEL = '__redis__:invalidate';

/** What the tracking connection tells the path it serves. */
export interface TrackingHandlers {
  /** Redis reported a change of these keys; null: the whole database was flushed. */
  invalidated(keys: string[] | null): void;
  /** Tracking is on, reporting to a subscriber that listens. */
  established(): void;
  /** One of the two connections closed or reconnected: tracking may be gone without a word. */
  dropped(reason: string): void;
  /** Redis will not track for this client: too old, or the ACL user may not (the reason names which). */
  refused(reason: string): void;
}

/** Redis answers this way when it has no CLIENT TRACKING (before 6.0) or when the ACL denies it. */
const REFUSAL = /NOPERM|unknown (sub)?command|wrong number of arguments/i;

/**
 * Two connections of their own, duplicates of the store's command connection (same
 * address, TLS, credentials; on Sentinel, the current master; on a Cluster, one master's
 * connection in the cluster's pool, see ClusterTracking): a subscriber on
 * `__redis__:invalidate`, and a tracking connection that asks Redis to report every change
 * under `prefixes`, by any client, to that subscriber (`CLIENT TRACKING ON REDIRECT <id>
 * BCAST PREFIX ...`). The tracking connection writes nothing, so the command connection's
 * writes are reported too (no NOLOOP): that is what lets a probe written there prove the path.
 *
 * The subscriber speaks RESP2: ioredis 6 speaks RESP3 by default, and on RESP3 Redis sends
 * reports as `invalidate` push frames, which ioredis 6 drops. In RESP2 a report is a
 * message whose payload is an array, which only the `messageBuffer` event hands over intact.
 *
 * Tracking belongs to a connection: when either reconnects, it is gone, and Redis 7 in RESP2
 * says nothing of a broken redirect. So every close is `dropped`, and every time both are
 * ready again, tracking is set up again from scratch, under a new subscriber id.
 */
export class RedisTrackingConnection {
  private subscriber: Redis | undefined;
  private tracker: Redis | undefined;
  /** The subscriber's client id while it is subscribed: where Redis is to send its reports. */
  private subscriberId: number | undefined;
  /** Bumped whenever the subscriber closes: an id asked before that is no longer its id. */
  private subscriberEpoch = 0;
  /** Bumped on every drop: a setup that started before it must not report `established`. */
  private generation = 0;
  private closed = false;
  private handlers: TrackingHandlers | undefined;

  /** `overrides` apply to both duplicates (a cluster node's own connection does not reconnect; these must). */
  constructor(
    private readonly source: Redis,
    private readonly prefixes: readonly string[],
    private readonly overrides: Partial<RedisOptions> = {},
  ) {}

  open(handlers: TrackingHandlers): void {
    if (this.closed || this.subscriber) return;
    this.handlers = handlers;
    const subscriber = this.source.duplicate({
      ...this.overrides,
      protocol: 2,
      autoResubscribe: false,
      lazyConnect: true,
      enableAutoPipelining: false,
    });
    const tracker = this.source.duplicate({ ...this.overrides, lazyConnect: true, enableAutoPipelining: false });
    this.subscriber = subscriber;
    this.tracker = tracker;
    subscriber.on('messageBuffer', (channel: Buffer, message: unknown) => {
      if (channel.toString() !== INVALIDATE_CHANNEL) return;
      handlers.invalidated(decodeReport(message));
    });
    subscriber.on('ready', () => void this.subscribe(subscriber));
    tracker.on('ready', () => void this.track());
    for (const [name, connection] of [
      ['subscriber', subscriber],
      ['tracking', tracker],
    ] as const) {
      for (const event of ['close', 'end']) connection.on(event, () => this.drop(name));
      // A failed reconnect is reported as 'error'; without a listener ioredis would throw it.
      connection.on('error', () => undefined);
      connection.connect().catch(() => undefined);
    }
  }

  restart(): void {
    if (this.closed) return;
    // Reconnecting (not replacing) keeps every listener; the closes report the loss, the readies set tracking up again.
    this.subscriber?.disconnect(true);
    this.tracker?.disconnect(true);
  }

  /** Changes `key` through `commands` and removes it again: Redis reports the change, nothing is left behind. */
  static probeThrough(commands: RedisClient): (key: string) => Promise<unknown> {
    return (key) => commands.pipeline().set(key, '1', 'PX', 10_000).del(key).exec();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const connection of [this.subscriber, this.tracker]) {
      connection?.removeAllListeners();
      connection?.on('error', () => undefined);
      connection?.disconnect();
    }
    this.subscriber = undefined;
    this.tracker = undefined;
  }

  private drop(which: 'subscriber' | 'tracking'): void {
    if (this.closed) return;
    this.generation++;
    // A tracking connection that reconnects finds the subscriber still there, under its id.
    if (which === 'subscriber') {
      this.subscriberEpoch++;
      this.subscriberId = undefined;
    }
    this.handlers?.dropped(`the ${which} connection closed`);
  }

  /** On every `ready` of the subscriber: its new id (asked before it enters subscribe mode), then the subscription. */
  private async subscribe(subscriber: Redis): Promise<void> {
    const epoch = this.subscriberEpoch;
    try {
      const id = await subscriber.client('ID');
      await subscriber.subscribe(INVALIDATE_CHANNEL);
      if (epoch !== this.subscriberEpoch || this.closed) return;
      this.subscriberId = Number(id);
    } catch (error) {
      this.refuseOn(error);
      // Anything else is a connection that failed again: its next `ready` tries again.
      return;
    }
    await this.track();
  }

  /** Once both are ready: tracking on, reporting to the current subscriber. */
  private async track(): Promise<void> {
    const { tracker, handlers } = this;
    const id = this.subscriberId;
    if (!tracker || !handlers || id === undefined || tracker.status !== 'ready') return;
    const generation = this.generation;
    try {
      const version = await serverVersion(tracker);
      if (version !== undefined && version < 6) {
        handlers.refused(`Redis ${version} has no CLIENT TRACKING (it needs Redis 6.0 or later)`);
        return;
      }
      // Off first: a tracking connection that survived the subscriber's reconnect still
      // reports to the old, dead id, and Redis refuses to change a BCAST client's options in place.
      await tracker.call('CLIENT', 'TRACKING', 'OFF');
      await tracker.call(
        'CLIENT',
        'TRACKING',
        'ON',
        'REDIRECT',
        String(id),
        'BCAST',
        ...this.prefixes.flatMap((prefix) => ['PREFIX', prefix]),
      );
    } catch (error) {
      this.refuseOn(error);
      return;
    }
    if (generation === this.generation && !this.closed) handlers.established();
  }

  private refuseOn(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    if (REFUSAL.test(message)) this.handlers?.refused(`Redis refused server-assisted invalidation: ${message}`);
  }
}

/** The report's keys (UTF-8, as the module writes them); null for a flush; [] for anything else, which is not a report. */
function decodeReport(message: unknown): string[] | null {
  if (message === null) return null;
  if (!Array.isArray(message)) return [];
  return message.filter((key): key is Buffer => Buffer.isBuffer(key)).map((key) => key.toString('utf8'));
}

/** The server's major version, or undefined where INFO is not allowed (the tracking command then tells). */
async function serverVersion(connection: Redis): Promise<number | undefined> {
  try {
    const info = String(await connection.info('server'));
    const match = /^redis_version:(\d+)\./m.exec(info);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}
