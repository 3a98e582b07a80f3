import { BUS_HEARTBEAT_INTERVAL_MS, BUS_SILENCE_LIMIT_MS } from './bus-timing';

/** How early a heartbeat tick may fire (timer jitter) and still count as the check it was meant to be. */
const TICK_TOLERANCE_MS = 100;

interface Sent {
  sentAt: number;
  /** This process's own stall time when it was sent. */
  stalledMs: number;
}

/**
 * Judges a path by the round trips of the probes sent along it (the bus's heartbeats, the
 * tracking path's probe writes): a probe not back within BUS_SILENCE_LIMIT_MS of being
 * sent, or back later than that, says the path is silent or lagging. Judged on each probe
 * that comes back, never on having heard one: a path that delivers everything 5 s late
 * delivers a probe every 500 ms, each 5 s late.
 *
 * The time this process itself was stalled (its tick fired late by that much) is taken off:
 * a process whose event loop did not turn read no socket either, so a probe that waited in
 * its own socket buffer was not late on the way, and what was sent before it waited there too.
 */
export class RoundTripJudge {
  /** Probes not yet back, oldest first. One not in it (from before a reset, or made up) proves nothing. */
  private readonly unanswered = new Map<number, Sent>();
  private lastTickAt = performance.now();
  private stalledMs = 0;

  /** The periodic tick starts now: time before it is no stall. */
  start(): void {
    this.lastTickAt = performance.now();
  }

  /** Records a probe as sent now. */
  sent(seq: number): void {
    const now = performance.now();
    this.unanswered.set(seq, { sentAt: now, stalledMs: this.stalledBy(now) });
    // While lost, probes may never come back: only the recent ones can still prove anything.
    for (const [old, { sentAt }] of this.unanswered) {
      if (now - sentAt <= 2 * BUS_SILENCE_LIMIT_MS) break;
      this.unanswered.delete(old);
    }
  }

  /**
   * A probe came back: its round trip in ms, or undefined for one this judge does not know.
   * Probes leave in order and come back in order: the earlier ones still missing will not come.
   */
  received(seq: number, now = performance.now()): number | undefined {
    const sent = this.unanswered.get(seq);
    if (sent === undefined) return undefined;
    for (const earlier of this.unanswered.keys()) {
      this.unanswered.delete(earlier);
      if (earlier === seq) break;
    }
    return this.pathTimeSince(sent, now);
  }

  /** Called by the periodic tick: true if the oldest probe not back has been out too long. */
  tick(): boolean {
    const now = performance.now();
    const oldest = this.unanswered.values().next().value;
    // The tolerance keeps a tick that fires a few ms early from pushing the check a whole interval later.
    const overdue = oldest !== undefined && this.pathTimeSince(oldest, now) >= BUS_SILENCE_LIMIT_MS - TICK_TOLERANCE_MS;
    this.stalledMs = this.stalledBy(now);
    this.lastTickAt = now;
    return overdue;
  }

  /** Forgets every probe out: after a loss, none of them proves anything about what follows. */
  reset(): void {
    this.unanswered.clear();
  }

  private pathTimeSince(sent: Sent, now: number): number {
    return now - sent.sentAt - (this.stalledBy(now) - sent.stalledMs);
  }

  /** This process's stall time up to `now`, counting the tick that is overdue right now. */
  private stalledBy(now: number): number {
    const overdue = now - this.lastTickAt - BUS_HEARTBEAT_INTERVAL_MS;
    return this.stalledMs + (overdue > TICK_TOLERANCE_MS ? overdue : 0);
  }
}
