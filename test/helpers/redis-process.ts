import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';

/**
 * A redis-server (plain, TLS-only or Sentinel) started with arbitrary arguments. Readiness
 * is a TCP accept on the port, because a TLS-only server or a Sentinel does not answer
 * a plain PING from redis-cli.
 */
export class RedisProcess {
  private constructor(
    readonly port: number,
    private child: ChildProcess | undefined,
    private readonly output: { text: string },
  ) {}

  static async start(port: number, args: string[]): Promise<RedisProcess> {
    const output = { text: '' };
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => (output.text = (output.text + chunk.toString()).slice(-4000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const server = new RedisProcess(port, child, output);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null)
        throw new Error(`redis-server exited with code ${child.exitCode} on port ${port}:\n${output.text}`);
      if (await accepts(port)) return server;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await server.kill();
    throw new Error(`redis-server did not listen on port ${port} within 10 s:\n${output.text}`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines the server logged, for a failing test's message. */
  get log(): string {
    return this.output.text;
  }

  /** SIGKILL, and wait until the process is gone. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
