import type { BusConnection } from '../../src/bus/bus-connection';
import { InvalidationBus, type BusEvents } from '../../src/bus/invalidation-bus';
import { BUS_HEARTBEAT_INTERVAL_MS, BUS_SILENCE_LIMIT_MS, BUS_STALENESS_BOUND_MS } from '../../src/bus/bus-timing';

/**
 * The bus's own rules (liveness, retries, batching) against an in-memory pub/sub that a
 * test can silence or break; test/tiers and test/hybrid run it on a real Redis.
 */
class LoopbackConnection implements BusConnection {
  published: [string, string][] = [];
  /** Deliver what is published back to the listener. */
  forwarding = true;
  /** Deliver it this late (in order, nothing dropped), as a subscription behind a slow link. */
  lagMs = 0;
  failPublishes = false;
  restarts = 0;
  private handlers: Parameters<BusConnection['listen']>[1] | undefined;
  private channels: string[] = [];

  async publish(channel: string, message: string): Promise<unknown> {
    if (this.failPublishes) throw new Error('Connection is closed.');
    this.published.push([channel, message]);
    if (this.forwarding && this.channels.includes(channel)) {
      const deliver = () => this.handlers?.message(channel, message);
      if (this.lagMs > 0) setTimeout(deliver, this.lagMs);
      else queueMicrotask(deliver);
    }
    return 1;
  }

  listen(channels: string[], handlers: Parameters<BusConnection['listen']>[1]): void {
    this.channels = channels;
    this.handlers = handlers;
    queueMicrotask(() => handlers.resubscribed());
  }

  restartListener(): void {
    this.restarts++;
    queueMicrotask(() => this.handlers?.resubscribed());
  }

  deliver(channel: string, message: string): void {
    this.handlers?.message(channel, message);
  }

  drop(): void {
    this.handlers?.dropped();
  }

  async close(): Promise<void> {}

  invalidations(): string[] {
    return this.published.filter(([channel]) => !channel.includes(':hb:')).map(([, message]) => message);
  }
}

function recordingEvents(): BusEvents & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    invalidate: (keys) => log.push(`invalidate ${keys.join(',')}`),
    clear: (prefix) => log.push(`clear ${prefix}`),
    lost: () => log.push('lost'),
    regained: () => log.push('regained'),
  };
}

const SCOPE = { keyPrefix: 'app', version: 1, scopePrefix: 'app:1:' };

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe('InvalidationBus', () => {
  let connection: LoopbackConnection;
  let events: ReturnType<typeof recordingEvents>;
  let bus: InvalidationBus;

  beforeEach(async () => {
    jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick'] });
    connection = new LoopbackConnection();
    events = recordingEvents();
    bus = new InvalidationBus(connection, SCOPE, events, () => undefined);
    bus.start();
    await settle();
  });
  afterEach(async () => {
    await bus.close();
    jest.useRealTimers();
  });

  it('is live once it hears its own first heartbeat, not before', async () => {
    const fresh = new InvalidationBus(new LoopbackConnection(), SCOPE, recordingEvents(), () => undefined);
    expect(fresh.live).toBe(false);
    expect(bus.live).toBe(true);
    expect(events.log).toEqual(['regained']);
    await fresh.close();
  });

  it('sends the keys announced in one turn as one message', async () => {
    bus.announce('app:1:a');
    bus.announce(['app:1:b', 'app:1:a']);
    await settle();
    expect(connection.invalidations()).toEqual([JSON.stringify(['i', bus.sender, ['app:1:a', 'app:1:b']])]);
  });

  it("applies other processes' invalidations and clears, ignores its own, and drops what it cannot read", () => {
    const shared = bus.channel;
    connection.deliver(shared, JSON.stringify(['i', 'other', ['app:1:x']]));
    connection.deliver(shared, JSON.stringify(['c', 'other', 'app:1:']));
    connection.deliver(shared, JSON.stringify(['i', bus.sender, ['app:1:mine']]));
    connection.deliver(shared, 'garbage');
    expect(events.log).toEqual(['regained', 'invalidate app:1:x', 'clear app:1:']);
    expect(bus.counters).toMatchObject({ received: 4, dropped: 1 });
  });

  it('a closed subscriber is lost at once, and live again only on a heartbeat sent after that', async () => {
    connection.drop();
    expect(bus.live).toBe(false);
    expect(events.log).toEqual(['regained', 'lost']);
    // A heartbeat from before the loss, arriving late, proves nothing about what came after it.
    connection.deliver(`${bus.channel}:hb:${bus.sender}`, '1');
    expect(bus.live).toBe(false);
    jest.advanceTimersByTime(BUS_HEARTBEAT_INTERVAL_MS);
    await settle();
    expect(bus.live).toBe(true);
    expect(events.log).toEqual(['regained', 'lost', 'regained']);
  });

  it('a subscriber that goes silent (no error, no close) is lost within BUS_STALENESS_BOUND_MS, and replaced', async () => {
    connection.forwarding = false;
    let elapsed = 0;
    while (bus.live && elapsed <= BUS_STALENESS_BOUND_MS + BUS_HEARTBEAT_INTERVAL_MS) {
      jest.advanceTimersByTime(100);
      elapsed += 100;
      await settle();
    }
    expect(bus.live).toBe(false);
    expect(elapsed).toBeGreaterThan(BUS_SILENCE_LIMIT_MS);
    expect(elapsed).toBeLessThanOrEqual(BUS_STALENESS_BOUND_MS);
    expect(connection.restarts).toBe(1);
    connection.forwarding = true;
    jest.advanceTimersByTime(BUS_HEARTBEAT_INTERVAL_MS);
    await settle();
    expect(bus.live).toBe(true);
  });

  /** Advances the clock in steps of 100 ms for `ms`, or until `stop` holds; returns the time advanced. */
  async function advance(ms: number, stop: () => boolean = () => false): Promise<number> {
    let elapsed = 0;
    while (!stop() && elapsed < ms) {
      jest.advanceTimersByTime(100);
      elapsed += 100;
      await settle();
    }
    return elapsed;
  }

  it('a subscription that delivers everything 5 s late is lost within BUS_STALENESS_BOUND_MS, and stays lost while it lags', async () => {
    connection.lagMs = 5000;
    const elapsed = await advance(BUS_STALENESS_BOUND_MS + BUS_HEARTBEAT_INTERVAL_MS, () => !bus.live);
    expect(bus.live).toBe(false);
    expect(elapsed).toBeLessThanOrEqual(BUS_STALENESS_BOUND_MS);
    // Heartbeats keep coming back, every one 5 s late: none of them is proof of health.
    await advance(12_000);
    expect(bus.live).toBe(false);
    expect(bus.counters.outages).toBe(1);
    expect(connection.restarts).toBe(1);
    connection.lagMs = 0;
    await advance(BUS_HEARTBEAT_INTERVAL_MS * 2, () => bus.live);
    expect(bus.live).toBe(true);
    expect(events.log).toEqual(['regained', 'lost', 'regained']);
  });

  it('each heartbeat is judged on its own round trip: 1 s late keeps the bus live, 1.6 s late loses it', async () => {
    connection.lagMs = 1000;
    await advance(10_000);
    expect(bus.live).toBe(true);
    expect(bus.counters.outages).toBe(0);
    connection.lagMs = BUS_SILENCE_LIMIT_MS + 100;
    const elapsed = await advance(10_000, () => !bus.live);
    expect(bus.live).toBe(false);
    // The first heartbeat sent with the lag is judged when it comes back.
    expect(elapsed).toBeLessThanOrEqual(BUS_STALENESS_BOUND_MS);
    await advance(10_000);
    expect(bus.live).toBe(false);
  });

  it('a lag that starts after a loss and a recovery is lost again, and not taken for health', async () => {
    connection.drop();
    await advance(BUS_HEARTBEAT_INTERVAL_MS * 2, () => bus.live);
    expect(events.log).toEqual(['regained', 'lost', 'regained']);
    connection.lagMs = 4000;
    const elapsed = await advance(BUS_STALENESS_BOUND_MS + BUS_HEARTBEAT_INTERVAL_MS, () => !bus.live);
    expect(bus.live).toBe(false);
    expect(elapsed).toBeLessThanOrEqual(BUS_STALENESS_BOUND_MS);
    await advance(12_000);
    expect(bus.live).toBe(false);
    expect(events.log).toEqual(['regained', 'lost', 'regained', 'lost']);
  });

  it('keeps the keys of a failed publish and sends them on the next tick', async () => {
    connection.failPublishes = true;
    bus.announce('app:1:k');
    await settle();
    expect(bus.counters.publishFailures).toBe(1);
    connection.failPublishes = false;
    jest.advanceTimersByTime(BUS_HEARTBEAT_INTERVAL_MS);
    await settle();
    expect(connection.invalidations()).toEqual([JSON.stringify(['i', bus.sender, ['app:1:k']])]);
  });

  it('turns more unsent keys than it keeps into one clear of the scope', async () => {
    connection.failPublishes = true;
    bus.announce(Array.from({ length: 10_001 }, (_, i) => `app:1:k${i}`));
    await settle();
    connection.failPublishes = false;
    jest.advanceTimersByTime(BUS_HEARTBEAT_INTERVAL_MS);
    await settle();
    expect(connection.invalidations()).toEqual([JSON.stringify(['c', bus.sender, 'app:1:'])]);
  });
});

describe('InvalidationBus in real time', () => {
  it('a process whose event loop stalls is not taken for a silent bus: its silence is its own', async () => {
    const connection = new LoopbackConnection();
    const events = recordingEvents();
    const bus = new InvalidationBus(connection, SCOPE, events, () => undefined);
    bus.start();
    try {
      while (!bus.live) await new Promise((resolve) => setTimeout(resolve, 10));
      // A synchronous stretch longer than the silence limit: no timer runs, no heartbeat is sent.
      const until = performance.now() + BUS_SILENCE_LIMIT_MS + 600;
      while (performance.now() < until) {
        // busy
      }
      await new Promise((resolve) => setTimeout(resolve, BUS_HEARTBEAT_INTERVAL_MS * 3));
      expect(bus.counters.outages).toBe(0);
      expect(bus.live).toBe(true);
      expect(events.log).toEqual(['regained']);
    } finally {
      await bus.close();
    }
  });

  it('a heartbeat that waited in its own socket buffer while this process stalled is not late on the way', async () => {
    const connection = new LoopbackConnection();
    connection.lagMs = 50;
    const events = recordingEvents();
    const bus = new InvalidationBus(connection, SCOPE, events, () => undefined);
    bus.start();
    try {
      while (!bus.live) await new Promise((resolve) => setTimeout(resolve, 10));
      // Stall right after a heartbeat left, so that it comes back during the stall.
      const sent = connection.published.length;
      while (connection.published.length === sent) await new Promise((resolve) => setTimeout(resolve, 1));
      const until = performance.now() + BUS_SILENCE_LIMIT_MS + 600;
      while (performance.now() < until) {
        // busy
      }
      await new Promise((resolve) => setTimeout(resolve, BUS_HEARTBEAT_INTERVAL_MS * 3));
      expect(bus.counters.outages).toBe(0);
      expect(bus.live).toBe(true);
    } finally {
      await bus.close();
    }
  });
});
