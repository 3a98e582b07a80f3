import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * How a cut looks to the app:
 * - 'reset': every open connection gets an RST and new ones are refused (ECONNREFUSED), as
 *   when a host or a load balancer in between goes away;
 * - 'blackhole': connections stay open and new ones are accepted, but nothing is forwarded
 *   either way and no RST ever comes, as in a network partition. Only timeouts tell.
 */
export type CutMode = 'reset' | 'blackhole';

interface Pair {
  client: Socket;
  /** Absent for a connection accepted during a blackhole: it never reaches Redis. */
  upstream?: Socket;
  /** The client sent SUBSCRIBE, PSUBSCRIBE or SSUBSCRIBE: a pub/sub connection. */
  subscriber?: boolean;
  /** The client's last bytes, so a command split between two chunks is still recognised. */
  sniffTail?: string;
  /** Server bytes were dropped on it while subscribers were muted. */
  muted?: boolean;
  /** Server bytes held back while subscribers are delayed, in order, each with when it is due. */
  held?: { chunk: Buffer; dueAt: number }[];
  heldTimer?: NodeJS.Timeout;
}

/**
 * A subscribe command as its first array element, in RESP (what every client library
 * sends): `*2\r\n$9\r\nSUBSCRIBE\r\n...`. A key or value spelled "subscribe" is
 * never first, so it does not match.
 */
const SUBSCRIBE_COMMAND = /\*\d+\r\n\$(?:9\r\nsubscribe|10\r\n[ps]subscribe)\r\n/i;
/** Longer than any match of SUBSCRIBE_COMMAND. */
const SNIFF_TAIL_CHARS = 32;

/**
 * A real TCP proxy on 127.0.0.1 in front of one server, so a test can partition the app
 * from a Redis that keeps running and keeps its data; a client that connects to the
 * server directly sees that data throughout.
 */
export class TcpProxy {
  private readonly pairs = new Set<Pair>();
  private state: 'open' | CutMode = 'open';
  private closed = false;
  private acceptedDuringCut = 0;
  private subscribersMuted = false;
  private droppedBytes = 0;
  private subscriberDelayMs = 0;
  private delayedBytes = 0;

  private constructor(
    private server: Server,
    readonly port: number,
    readonly target: { host: string; port: number },
  ) {}

  /** Listens on `port` (a free one if 0) and forwards to `target`. */
  static async start(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((socket) => proxy!.accept(socket));
    const bound = await listen(server, port);
    proxy = new TcpProxy(server, bound, target);
    return proxy;
  }

  get host(): string {
    return '127.0.0.1';
  }

  /** `host:port` of the proxy, as a client would list it. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** Connections accepted while blackholed: proof that the app kept trying and got no RST. */
  get connectionsAcceptedDuringCut(): number {
    return this.acceptedDuringCut;
  }

  get isCut(): boolean {
    return this.state !== 'open';
  }

  /** Pub/sub connections that had server bytes dropped: proof that the mute reached one. */
  get mutedSubscriberConnections(): number {
    return [...this.pairs].filter((pair) => pair.muted).length;
  }

  /** Server bytes dropped on pub/sub connections since the last muteSubscribers(). */
  get droppedSubscriberBytes(): number {
    return this.droppedBytes;
  }

  /**
   * From now on, what the server sends on pub/sub connections (those whose client sent a
   * subscribe command, now or later) is dropped, silently: no RST, no close, the client's
   * own bytes still reach the server. Other connections keep working. A subscription
   * that stops delivering this way looks healthy to the client; only a timer can tell.
   */
  muteSubscribers(): void {
    this.subscribersMuted = true;
    this.droppedBytes = 0;
  }

  /** Server bytes held back on pub/sub connections since the last delaySubscribers(). */
  get delayedSubscriberBytes(): number {
    return this.delayedBytes;
  }

  /**
   * From now on, what the server sends on pub/sub connections reaches the client `ms`
   * late, in order, nothing dropped and nothing closed: a subscription that lags (a
   * congested link, a slow proxy). Other connections are not delayed, so the client's
   * commands, and its heartbeats' PUBLISH, are answered at once. 0 ends the delay for
   * bytes that arrive from then on; what was held is still delivered in order.
   */
  delaySubscribers(ms: number): void {
    this.subscriberDelayMs = ms;
    if (ms > 0) this.delayedBytes = 0;
  }

  /**
   * Forwards to subscribers again. The muted connections are reset: bytes were dropped
   * in the middle of their stream, which no client could parse on from, as after a
   * blackhole (see heal()).
   */
  unmuteSubscribers(): void {
    this.subscribersMuted = false;
    for (const pair of this.pairs) if (pair.muted) this.destroyPair(pair);
  }

  async cut(mode: CutMode): Promise<void> {
    if (this.state !== 'open') throw new Error(`proxy ${this.address} is already cut (${this.state})`);
    this.state = mode;
    this.acceptedDuringCut = 0;
    if (mode === 'reset') {
      for (const pair of this.pairs) this.destroyPair(pair);
      // Closing the listener is what makes a connect fail with ECONNREFUSED rather than succeed and then drop.
      await new Promise<void>((resolve) => {
        this.server.close(() => resolve());
      });
      return;
    }
    for (const pair of this.pairs) {
      pair.client.pause();
      pair.upstream?.pause();
    }
  }

  /**
   * Forwards again. After a blackhole, the connections that lived through it are reset:
   * what they held is never delivered, as when the partition outlived a stateful
   * firewall's or NAT's memory of them (the next packet gets an RST). So a command the app
   * sent during the cut never reaches Redis late, and every test sees the same outcome.
   */
  async heal(): Promise<void> {
    const was = this.state;
    if (was === 'open') return;
    if (was === 'blackhole') for (const pair of this.pairs) this.destroyPair(pair);
    this.state = 'open';
    if (was === 'reset' && !this.closed) await this.relisten();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pair of this.pairs) this.destroyPair(pair);
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const pair: Pair = { client };
    this.pairs.add(pair);
    client.on('error', () => this.destroyPair(pair));
    client.on('close', () => this.destroyPair(pair));
    if (this.state === 'blackhole') {
      this.acceptedDuringCut++;
      // Not read, not answered, not closed: the app waits until its own timeout.
      client.pause();
      return;
    }
    const upstream = connect(this.target);
    pair.upstream = upstream;
    upstream.on('error', () => this.destroyPair(pair));
    upstream.on('close', () => this.destroyPair(pair));
    this.forward(client, upstream, pair, 'to-server');
    this.forward(upstream, client, pair, 'to-client');
  }

  private forward(from: Socket, to: Socket, pair: Pair, direction: 'to-server' | 'to-client'): void {
    from.on('data', (chunk: Buffer) => {
      // pause() stops reading, but a chunk already read may still be emitted: drop it as the partition would.
      if (this.state === 'blackhole') return;
      if (direction === 'to-server' && !pair.subscriber) this.sniff(pair, chunk);
      if (direction === 'to-client' && pair.subscriber && this.subscribersMuted) {
        pair.muted = true;
        this.droppedBytes += chunk.length;
        return;
      }
      if (direction === 'to-client' && pair.subscriber && (this.subscriberDelayMs > 0 || pair.held?.length)) {
        this.hold(pair, to, chunk);
        return;
      }
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => {
          if (this.state === 'open') from.resume();
        });
      }
    });
    from.on('end', () => to.end());
  }

  /** Queues `chunk` behind what the pair already holds, due `subscriberDelayMs` from now. */
  private hold(pair: Pair, to: Socket, chunk: Buffer): void {
    this.delayedBytes += chunk.length;
    (pair.held ??= []).push({ chunk, dueAt: performance.now() + this.subscriberDelayMs });
    if (pair.held.length === 1) this.release(pair, to);
  }

  private release(pair: Pair, to: Socket): void {
    const held = pair.held ?? [];
    while (held.length > 0 && held[0].dueAt <= performance.now()) {
      if (!to.destroyed) to.write(held.shift()!.chunk);
      else held.shift();
    }
    // unref: bytes held for a connection nobody reads any more must not keep the test process alive.
    if (held.length > 0)
      pair.heldTimer = setTimeout(() => this.release(pair, to), held[0].dueAt - performance.now()).unref();
  }

  private sniff(pair: Pair, chunk: Buffer): void {
    const text = (pair.sniffTail ?? '') + chunk.toString('latin1');
    pair.subscriber = SUBSCRIBE_COMMAND.test(text);
    pair.sniffTail = text.slice(-SNIFF_TAIL_CHARS);
  }

  private destroyPair(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
    clearTimeout(pair.heldTimer);
    pair.held = [];
    // An RST, not a FIN: the peer sees ECONNRESET, as from a host that lost the connection.
    for (const socket of [pair.client, pair.upstream]) {
      if (socket && !socket.destroyed) socket.resetAndDestroy();
    }
  }

  private async relisten(): Promise<void> {
    const server = createServer((socket) => this.accept(socket));
    // The port was ours a moment ago; a brief EADDRINUSE while the old handle closes is retried.
    for (let attempt = 0; ; attempt++) {
      try {
        await listen(server, this.port);
        this.server = server;
        return;
      } catch (error) {
        if (attempt >= 20 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
