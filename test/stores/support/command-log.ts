import Redis from 'ioredis';
import type { RedisTestServer } from '../../helpers/redis-server';

export interface LoggedCommand {
  name: string;
  /** Keys the command names: its arguments, or half of them for MSET (key, value, key, value ...), or a script's numkeys. */
  keys: number;
  /** Run by a Lua script rather than sent by a client. */
  byScript: boolean;
}

const MULTI_KEY = new Set(['mget', 'mset', 'del', 'unlink']);
const SCRIPT = new Set(['eval', 'evalsha']);

/**
 * What one Redis server really executed, from MONITOR: lets a test check how a batch was
 * split into commands, which no reply shows.
 */
export class CommandLog {
  readonly commands: LoggedCommand[] = [];
  private readonly seen = new Set<string>();

  private constructor(
    private readonly monitor: Redis,
    private readonly client: Redis,
  ) {
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      const name = String(args[0]).toLowerCase();
      if (name === 'echo') this.seen.add(String(args[1]));
      const byScript = source === 'lua';
      if (SCRIPT.has(name)) this.commands.push({ name: 'script', keys: Number(args[2]), byScript });
      else if (name === 'set') this.commands.push({ name, keys: 1, byScript });
      else if (MULTI_KEY.has(name)) {
        const operands = args.length - 1;
        this.commands.push({ name, keys: name === 'mset' ? operands / 2 : operands, byScript });
      }
    });
  }

  static async start(server: RedisTestServer): Promise<CommandLog> {
    const monitor = await new Redis(server.port, server.host, { lazyConnect: true }).monitor();
    const client = new Redis(server.port, server.host, { lazyConnect: true });
    await client.connect();
    return new CommandLog(monitor, client);
  }

  /** Most keys any logged command of `name` carried; 0 if none ran. */
  largest(name: string): number {
    return this.commands
      .filter((command) => command.name === name)
      .reduce((most, command) => Math.max(most, command.keys), 0);
  }

  count(name: string): number {
    return this.commands.filter((command) => command.name === name).length;
  }

  /**
   * Waits until everything executed so far has reached the log: MONITOR shows commands in
   * execution order, so once a marker sent now shows up, all earlier ones have.
   */
  async settle(): Promise<void> {
    const marker = `settle-${Math.random()}`;
    await this.client.echo(marker);
    const deadline = Date.now() + 10_000;
    while (!this.seen.has(marker)) {
      if (Date.now() > deadline) throw new Error('MONITOR did not show the marker within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  clear(): void {
    this.commands.length = 0;
  }

  async stop(): Promise<void> {
    this.monitor.disconnect();
    await this.client.quit();
  }
}
