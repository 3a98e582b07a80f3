import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

const INSTALL_HINT =
  'redis-server is not installed: install it with `sudo apt-get install redis-server redis-tools` (Debian/Ubuntu) or `brew install redis` (macOS), or set REDIS_TEST_URL to a Redis the tests may clear';

/** Fails with one line that says how to install Redis, if it is missing. */
export function assertRedisInstalled(): void {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(INSTALL_HINT);
  }
}

export interface RedisServerOptions {
  password?: string;
  /**
   * Extra redis-server arguments, e.g. ['--maxmemory', '10mb']. A function is called again
   * for each start attempt, so arguments that name ports (a cluster bus port) can pick fresh ones.
   */
  args?: string[] | (() => Promise<string[]>);
}

/** The options of one launch: arguments already chosen. */
type LaunchOptions = { password?: string; args?: string[] };

/** How many ports a start tries when the one it picked is taken before redis-server binds it. */
const START_ATTEMPTS = 5;

/** redis-server could not bind a port picked for it: another process took it first. */
class PortTakenError extends Error {}

/**
 * A real redis-server on a free loopback port, owned by one test file. It keeps nothing
 * on disk and can be paused, killed and restarted on the same port for fault tests.
 */
export class RedisTestServer {
  private process: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'ideagraph-redis-'));

  private constructor(
    readonly port: number,
    private options: LaunchOptions,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisTestServer> {
    assertRedisInstalled();
    for (let attempt = 1; ; attempt++) {
      const args = typeof options.args === 'function' ? await options.args() : options.args;
      const server = new RedisTestServer(await freePort(), { ...options, args });
      try {
        await server.launch();
        return server;
      } catch (error) {
        await server.stop();
        if (!(error instanceof PortTakenError) || attempt === START_ATTEMPTS) throw error;
      }
    }
  }

  get host(): string {
    return '127.0.0.1';
  }

  get url(): string {
    return `redis://${this.options.password ? `:${encodeURIComponent(this.options.password)}@` : ''}127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** Environment variables that point the module at this server. */
  env(): Record<string, string> {
    return {
      CACHE_BACKEND: 'redis',
      REDIS_HOST: this.host,
      REDIS_PORT: String(this.port),
      ...(this.options.password ? { REDIS_PASSWORD: this.options.password } : {}),
    };
  }

  /** Runs redis-cli against this server and returns its trimmed output. */
  cli(...args: string[]): string {
    const auth = this.options.password ? ['-a', this.options.password, '--no-auth-warning'] : [];
    return execFileSync('redis-cli', ['-h', this.host, '-p', String(this.port), ...auth, ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  }

  /**
   * The process id of the server answering on this port, asked without blocking this process:
   * fault tests restart Redis while callers run in the same process, and a synchronous
   * redis-cli stalled them for up to 600 ms on a busy machine. Another server that took the
   * port first answers with its own id; a listener that never answers is given up on.
   */
  private answeringPid(): Promise<number | undefined> {
    const auth = this.options.password ? ['-a', this.options.password, '--no-auth-warning'] : [];
    return new Promise((resolve) => {
      execFile(
        'redis-cli',
        ['-h', this.host, '-p', String(this.port), ...auth, 'INFO', 'server'],
        { encoding: 'utf8', timeout: 2_000 },
        (error, stdout) => {
          const pid = /^process_id:(\d+)/m.exec(error ? '' : stdout)?.[1];
          resolve(pid === undefined ? undefined : Number(pid));
        },
      );
    });
  }

  /** SIGSTOP: the server keeps its sockets open but answers nothing. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** SIGKILL, and wait until the port is closed. */
  async kill(): Promise<void> {
    const child = this.process;
    this.process = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
    await exited;
  }

  /** Starts the server again on the same port, optionally with another password. */
  async restart(options: LaunchOptions = this.options): Promise<void> {
    await this.kill();
    this.options = options;
    await this.launch();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      this.dir,
      '--loglevel',
      'warning',
      ...(this.options.password ? ['--requirepass', this.options.password] : []),
      ...(this.options.args ?? []),
    ];
    // redis-server logs to stdout; its last lines say why it stopped, when it does.
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'ignore'] });
    this.process = child;
    let log = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      log = (log + chunk).slice(-2000);
    });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const reason = `redis-server exited with code ${child.exitCode} on port ${this.port}: ${log.trim()}`;
        throw /address already in use/i.test(log) ? new PortTakenError(reason) : new Error(reason);
      }
      const pid = await this.answeringPid();
      if (pid === child.pid) return;
      if (pid !== undefined && child.exitCode === null) {
        throw new PortTakenError(`another redis-server (pid ${pid}) answers on port ${this.port}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server did not answer on port ${this.port} within 10 s`);
  }
}
