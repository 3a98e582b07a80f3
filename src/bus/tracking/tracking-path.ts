import { randomBytes } from 'node:crypto';
import { BUS_HEARTBEAT_INTERVAL_MS, BUS_SILENCE_LIMIT_MS } from '../bus-timing';
import type { BusEvents } from '../invalidation-bus';
import { RoundTripJudge } from '../round-trip-judge';
import type { TrackingHandlers } from './tracking-connection';

/** What the tracking path needs of Redis. */
export interface TrackingTransport {
  open(handlers: TrackingHandlers): void;
  /**
   * Changes `key` through the command connection (and leaves nothing behind); undefined when
   * there is nowhere to write it (a cluster master that serves no slot): nothing is judged then.
   */
  probe(key: string): Promise<unknown> | undefined;
  /** Reconnects both connections (one that went silent or lags); tracking is set up again. */
  restart(): void;
  close(): Promise<void>;
}

/** What the path tells beyond BusEvents: Redis will not track for this client; tracking was (re)set up. */
export interface TrackingEvents extends BusEvents {
  refused(reason: string): void;
  setUp?(): void;
}

export interface TrackingCounters {
  /** Reports received (each names one or more keys, or a flush). */
  reports: number;
  /** Keys of this cache they named. */
  keys: number;
  /** Times the path was lost. */
  outages: number;
}

/** What L1Coherence reads of server-assisted invalidation: one path per Redis, or one per cluster master together. */
export interface TrackingSource {
  readonly live: boolean;
  readonly counters: TrackingCounters;
  lastReportAgeMs(): number | null;
  start(): void;
  close(): Promise<void>;
}

/**
 * `ideagraph-cache:probe:<prefix>:<version>:`: tracked beside the scope, and never a prefix of
 * it nor it of the scope. Braces become parentheses: on a Cluster the probe's hash tag is the
 * one the path adds (to reach a given master), never one taken from the key prefix.
 */
export function probePrefixOf(keyPrefix: string, version: number): string {
  return `ideagraph-cache:probe:${keyPrefix.replace(/\{/g, '(').replace(/\}/g, ')')}:${version}:`;
}

/**
 * One path's own probe prefix: `<probe prefix><random>:`. Each path tracks only its own, so
 * a process is not sent the probes of every other process (which would grow with the
 * square of the fleet).
 */
export function ownProbePrefix(probePrefix: string): string {
  return `${probePrefix}${randomBytes(9).toString('base64url')}:`;
}

/** A path that is not live and whose probes go unanswered is set up again at most this often. */
const RETRY_SET_UP_MS = 3 * BUS_SILENCE_LIMIT_MS;

/**
 * L1 invalidation by Redis itself: every change under the cache's prefix, by any client
 * (this module, Django, redis-cli, a Lua script, expiry, eviction), is reported to this
 * process (RedisTrackingConnection).
 *
 * Liveness is proven end to end, on the path foreign writes take: every
 * BUS_HEARTBEAT_INTERVAL_MS the command connection changes a probe key of this process
 * (a key under a tracked prefix), and the path is live only while that change comes back
 * as a report within BUS_SILENCE_LIMIT_MS (RoundTripJudge). A report of a change made before
 * the probe is sent before the probe's report on the one subscriber connection, so a probe
 * back in time proves every earlier change was reported. Any close or reconnect of either
 * connection loses the path; it is live again only once tracking is set up again and a
 * probe sent after that came back in time, and then L1 starts empty.
 */
export class TrackingPath implements TrackingSource {
  readonly counters: TrackingCounters = { reports: 0, keys: 0, outages: 0 };
  live = false;
  /** Tracking is on (set up since the last drop), whether or not a probe has proven it yet. */
  setUp = false;
  private seq = 0;
  private lastRetryAt = 0;
  /** The first probe whose report makes the path live again: one sent after tracking was (re)established. */
  private liveFrom = Number.POSITIVE_INFINITY;
  private readonly judge = new RoundTripJudge();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private lostAt: number | undefined;
  private lastReportAt: number | undefined;

  /** `probePrefix`: this path's own (ownProbePrefix), the one its connection tracks. */
  constructor(
    private readonly transport: TrackingTransport,
    private readonly scopePrefix: string,
    private readonly probePrefix: string,
    private readonly events: TrackingEvents,
    private readonly log: (message: string) => void,
  ) {}

  start(): void {
    if (this.timer || this.closed) return;
    this.judge.start();
    this.transport.open({
      invalidated: (keys) => this.reported(keys),
      established: () => {
        this.liveFrom = this.seq + 1;
        this.setUp = true;
        this.events.setUp?.();
        this.probe();
      },
      dropped: (reason) => this.lose(reason),
      refused: (reason) => this.events.refused(reason),
    });
    this.timer = setInterval(() => this.tick(), BUS_HEARTBEAT_INTERVAL_MS).unref();
  }

  lastReportAgeMs(): number | null {
    return this.lastReportAt === undefined ? null : Math.round(performance.now() - this.lastReportAt);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.live = false;
    if (this.timer) clearInterval(this.timer);
    await this.transport.close();
  }

  private reported(keys: string[] | null): void {
    if (this.closed) return;
    const now = performance.now();
    this.lastReportAt = now;
    this.counters.reports++;
    if (keys === null) {
      // FLUSHDB or FLUSHALL: everything is gone, the probe included.
      this.events.clear('');
      return;
    }
    const ours: string[] = [];
    for (const key of keys) {
      if (key.startsWith(this.scopePrefix)) ours.push(key);
      // `<probe prefix><seq>`, or on a Cluster `<probe prefix><seq>:{<hash tag>}`.
      else if (key.startsWith(this.probePrefix))
        this.heard(Number(key.slice(this.probePrefix.length).split(':', 1)[0]), now);
    }
    if (ours.length === 0) return;
    this.counters.keys += ours.length;
    this.events.invalidate(ours);
  }

  private heard(seq: number, now: number): void {
    if (!Number.isSafeInteger(seq)) return;
    const roundTripMs = this.judge.received(seq, now);
    if (roundTripMs === undefined) return;
    if (roundTripMs > BUS_SILENCE_LIMIT_MS) {
      this.loseAndRestart(
        `a probe came back ${Math.round(roundTripMs)} ms after it was written, past ${BUS_SILENCE_LIMIT_MS} ms`,
      );
      return;
    }
    if (this.live || seq < this.liveFrom) return;
    this.live = true;
    this.events.regained();
    if (this.lostAt !== undefined) {
      this.log(`hybrid cache tracking path heard again after ${Math.round(now - this.lostAt)} ms; L1 starts empty`);
      this.lostAt = undefined;
    }
  }

  private lose(reason: string): void {
    // A probe sent before the loss proves nothing about what follows; set-up again sets liveFrom.
    this.liveFrom = Number.POSITIVE_INFINITY;
    this.setUp = false;
    this.judge.reset();
    if (!this.live || this.closed) return;
    this.live = false;
    this.lostAt = performance.now();
    this.counters.outages++;
    this.events.lost(reason);
    this.log(`hybrid cache tracking path lost (${reason}); reads skip L1 and go to Redis until it is proven again`);
  }

  /** A path that went silent or lags is set up again on new connections: the next ones may be healthy. */
  private loseAndRestart(reason: string): void {
    if (!this.live) return;
    this.lose(reason);
    this.transport.restart();
  }

  private tick(): void {
    if (this.closed) return;
    if (this.judge.tick()) {
      const reason = `a probe did not come back within ${BUS_SILENCE_LIMIT_MS} ms`;
      if (this.live) this.loseAndRestart(reason);
      else this.retrySetUp(reason);
    }
    this.probe();
  }

  /**
   * A path not proven yet whose probes go unanswered (a set-up that failed with an error that
   * is no refusal, connections that went silent before the first proof) is set up again on
   * new connections: otherwise it would wait for a socket to drop, and L1 with it.
   */
  private retrySetUp(reason: string): void {
    const now = performance.now();
    if (now - this.lastRetryAt < RETRY_SET_UP_MS) return;
    this.lastRetryAt = now;
    this.lose(reason);
    this.transport.restart();
  }

  private probe(): void {
    if (this.closed) return;
    this.seq++;
    const sent = this.transport.probe(`${this.probePrefix}${this.seq}`);
    if (!sent) return;
    this.judge.sent(this.seq);
    sent.catch(() => undefined);
  }
}
