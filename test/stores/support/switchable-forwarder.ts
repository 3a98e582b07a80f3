import { connect, createServer, type Server, type Socket } from 'node:net';

export interface TcpTarget {
  host: string;
  port: number;
}

/**
 * One address in front of several servers, like a managed Redis's DNS name: each new
 * connection goes to the current target, and retarget() changes it for new connections
 * only. Open connections stay on the server they reached, as a TCP connection stays on the
 * IP it resolved to when the name is moved to another node.
 */
export class SwitchableForwarder {
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private target: TcpTarget,
  ) {}

  static async start(target: TcpTarget): Promise<SwitchableForwarder> {
    let forwarder: SwitchableForwarder | undefined;
    const server = createServer((client) => forwarder!.accept(client));
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : 0);
      });
    });
    forwarder = new SwitchableForwarder(server, port, target);
    return forwarder;
  }

  get host(): string {
    return '127.0.0.1';
  }

  retarget(target: TcpTarget): void {
    this.target = target;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = connect(this.target);
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    }
    // Either side going away takes the other with it, as a dropped connection would.
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
