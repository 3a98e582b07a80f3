import { randomBytes } from 'node:crypto';
import { chunked } from '../stores/redis-batch-limits';
import { busChannels, type BusChannels } from './bus-channels';
import type { BusConnection } from './bus-connection';
import { decodeBusMessage, encodeBusMessage } from './bus-message';
import { BUS_HEARTBEAT_INTERVAL_MS, BUS_SILENCE_LIMIT_MS } from './bus-timing';
import { RoundTripJudge } from './round-trip-judge';

/** What the bus tells the tier it serves. */
export interface BusEvents {
  /** Another process changed these keys. */
  invalidate(keys: readonly string[]): void;
  /** Another process removed every key that starts with `prefix`. */
  clear(prefix: string): void;
  /** Messages may be getting lost from now on: L1 must not be served. */
  lost(reason: string): void;
  /** Heard again after `lost`: what was missed is unknown, so L1 must start empty. */
  regained(): void;
}

/** What getStats reports of the bus. */
export interface BusCounters {
  /** Invalidation messages sent. */
  published: number;
  /** Invalidation messages received from this and other processes (heartbeats not included). */
  received: number;
  /** Received messages that were not a readable invalidation, and so ignored. */
  dropped: number;
  /** Publishes that failed; their keys were kept and sent again. */
  publishFailures: number;
  /** Times the bus was lost (a closed or silent subscription). */
  outages: number;
}

export interface BusState {
  live: boolean;
  /** Milliseconds since anything (a heartbeat included) arrived; null if nothing has yet. */
  lastMessageAgeMs: number | null;
  /** Keys (and clears) waiting to be published. */
  pending: number;
  channel: string;
}

export interface BusScope {
  keyPrefix: string;
  version: number;
  /** `prefix:version:`: what an overflowing queue of unsent keys becomes a clear of. */
  scopePrefix: string;
}

/** Keys per message: a message of 1000 keys of 50 characters is about 50 KB. */
const KEYS_PER_MESSAGE = 1000;

/** Unsent keys kept for a retry; past this they become one clear of the scope (every L1 starts over). */
const MAX_PENDING_KEYS = 10_000;

/**
 * Invalidations between the processes of one cache scope, over Redis pub/sub.
 *
 * Sending: keys announced in one turn of the event loop leave as one message, after the
 * microtasks of that turn, so a burst of writes costs one PUBLISH and not one each. A
 * publish that fails keeps its keys for the next heartbeat tick.
 *
 * Listening: the bus is `live` only while this process hears its own heartbeats, which it
 * publishes through the command connection every BUS_HEARTBEAT_INTERVAL_MS, each back
 * within BUS_SILENCE_LIMIT_MS of being sent. A subscriber that closes is lost at once; one
 * that just goes quiet (a half-open connection, a proxy that stopped forwarding) is lost
 * once no heartbeat came back for BUS_SILENCE_LIMIT_MS, and one that lags (delivers
 * everything, late) is lost on the first heartbeat that comes back later than that: an
 * invalidation travels the same subscription and is as late. Either is then replaced. It
 * is live again only on a heartbeat sent after it was lost that came back in time.
 */
export class InvalidationBus {
  readonly counters: BusCounters = { published: 0, received: 0, dropped: 0, publishFailures: 0, outages: 0 };
  /** True while this process hears its own heartbeats: only then may L1 be served. */
  live = false;
  readonly sender = randomBytes(9).toString('base64url');
  private readonly channels: BusChannels;
  private readonly pendingKeys = new Set<string>();
  private readonly pendingClears = new Set<string>();
  private flushQueued = false;
  private heartbeatSeq = 0;
  /** The first heartbeat whose echo makes the bus live again. */
  private liveFrom = 1;
  private readonly judge = new RoundTripJudge();
  /** Own messages start like this: skipped before they are parsed (a sender gets each of its messages back). */
  private readonly ownPrefixes: [string, string];
  private lastMessageAt: number | undefined;
  private lostAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly connection: BusConnection,
    private readonly scope: BusScope,
    private readonly events: BusEvents,
    private readonly log: (message: string) => void,
  ) {
    this.channels = busChannels(scope.keyPrefix, scope.version, this.sender);
    const sender = JSON.stringify(this.sender);
    this.ownPrefixes = [`["i",${sender},`, `["c",${sender},`];
  }

  get channel(): string {
    return this.channels.shared;
  }

  start(): void {
    if (this.timer || this.closed) return;
    this.judge.start();
    this.connection.listen([this.channels.shared, this.channels.heartbeat], {
      message: (channel, text) => this.received(channel, text),
      dropped: () => this.lose('the subscriber connection closed'),
      resubscribed: () => this.beat(),
    });
    // unref: the heartbeat must never keep a process alive.
    this.timer = setInterval(() => this.tick(), BUS_HEARTBEAT_INTERVAL_MS).unref();
  }

  /** Queues an invalidation of `keys` for every other process. */
  announce(keys: string | readonly string[]): void {
    if (typeof keys === 'string') this.pendingKeys.add(keys);
    else for (const key of keys) this.pendingKeys.add(key);
    if (this.pendingKeys.size > MAX_PENDING_KEYS) {
      this.pendingKeys.clear();
      this.pendingClears.add(this.scope.scopePrefix);
    }
    this.queueFlush();
  }

  /** Queues a clear of every key that starts with `prefix`, for every other process. */
  announceClear(prefix: string): void {
    this.pendingClears.add(prefix);
    this.queueFlush();
  }

  state(): BusState {
    return {
      live: this.live,
      lastMessageAgeMs: this.lastMessageAt === undefined ? null : Math.round(performance.now() - this.lastMessageAt),
      pending: this.pendingKeys.size + this.pendingClears.size,
      channel: this.channels.shared,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.live = false;
    if (this.timer) clearInterval(this.timer);
    await this.connection.close();
  }

  private queueFlush(): void {
    if (this.flushQueued || this.closed) return;
    this.flushQueued = true;
    queueMicrotask(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.closed) return;
    for (const prefix of this.pendingClears) {
      this.send(encodeBusMessage({ kind: 'clear', sender: this.sender, prefix }), () => this.pendingClears.add(prefix));
    }
    this.pendingClears.clear();
    if (this.pendingKeys.size === 0) return;
    const keys = [...this.pendingKeys];
    this.pendingKeys.clear();
    for (const piece of chunked(keys, KEYS_PER_MESSAGE)) {
      this.send(encodeBusMessage({ kind: 'invalidate', sender: this.sender, keys: piece }), () => {
        for (const key of piece) this.pendingKeys.add(key);
      });
    }
  }

  private send(text: string, keepForRetry: () => void): void {
    this.connection.publish(this.channels.shared, text).then(
      () => this.counters.published++,
      () => {
        this.counters.publishFailures++;
        // Retried on the next tick, not at once: the connection that failed is still down.
        if (!this.closed) keepForRetry();
      },
    );
  }

  private received(channel: string, text: string): void {
    const now = performance.now();
    this.lastMessageAt = now;
    if (channel === this.channels.heartbeat) {
      this.heard(Number(text), now);
      return;
    }
    this.counters.received++;
    // A sender has already applied its own write to its own L1.
    if (text.startsWith(this.ownPrefixes[0]) || text.startsWith(this.ownPrefixes[1])) return;
    const message = decodeBusMessage(text);
    if (!message) {
      this.counters.dropped++;
      return;
    }
    if (message.sender === this.sender) return;
    if (message.kind === 'invalidate') this.events.invalidate(message.keys);
    else this.events.clear(message.prefix);
  }

  private heard(seq: number, now: number): void {
    if (this.closed) return;
    const roundTripMs = this.judge.received(seq, now);
    if (roundTripMs === undefined) return;
    if (roundTripMs > BUS_SILENCE_LIMIT_MS) {
      this.loseAndReplace(
        `a heartbeat came back ${Math.round(roundTripMs)} ms after it was sent, past ${BUS_SILENCE_LIMIT_MS} ms`,
      );
      return;
    }
    if (this.live || seq < this.liveFrom) return;
    this.events.regained();
    this.live = true;
    if (this.lostAt !== undefined) {
      this.log(`hybrid cache bus heard again after ${Math.round(now - this.lostAt)} ms; L1 starts empty`);
      this.lostAt = undefined;
    }
  }

  private lose(reason: string): void {
    if (!this.live || this.closed) return;
    this.live = false;
    this.liveFrom = this.heartbeatSeq + 1;
    this.lostAt = performance.now();
    this.judge.reset();
    this.counters.outages++;
    this.events.lost(reason);
    this.log(`hybrid cache bus lost (${reason}); reads skip L1 and go to Redis until the bus is heard again`);
  }

  /** A subscription that went silent or lags is replaced: the next one may be healthy. */
  private loseAndReplace(reason: string): void {
    if (!this.live) return;
    this.lose(reason);
    this.connection.restartListener();
  }

  private tick(): void {
    if (this.closed) return;
    // Counted from when a heartbeat was sent, not from the last one heard: a process whose
    // event loop did not turn (a long synchronous task, a loop of awaited L1 hits) sent
    // nothing meanwhile, and its silence is its own, not the bus's.
    if (this.judge.tick()) this.loseAndReplace(`a heartbeat did not come back within ${BUS_SILENCE_LIMIT_MS} ms`);
    if (this.pendingKeys.size > 0 || this.pendingClears.size > 0) this.flush();
    this.beat();
  }

  private beat(): void {
    if (this.closed) return;
    this.heartbeatSeq++;
    this.judge.sent(this.heartbeatSeq);
    this.connection.publish(this.channels.heartbeat, String(this.heartbeatSeq)).catch(() => undefined);
  }
}
