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
}

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
    this.forward(client, upstream);
    this.forward(upstream, client);
  }

  private forward(from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      // pause() stops reading, but a chunk already read may still be emitted: drop it as the partition would.
      if (this.state === 'blackhole') return;
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => {
          if (this.state === 'open') from.resume();
        });
      }
    });
    from.on('end', () => to.end());
  }

  private destroyPair(pair: Pair): void {
    if (!this.pairs.delete(pair)) return;
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
