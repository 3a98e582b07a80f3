import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { RedisProcess } from './redis-process';
import { RedisTestServer } from './redis-server';

export interface RedisSentinelOptions {
  sentinels?: number;
  masterName?: string;
}

/**
 * A master, one replica and a group of Sentinels on loopback, from generated config
 * files. Owned by one test file.
 */
export class RedisSentinelTest {
  private constructor(
    readonly masterName: string,
    readonly servers: RedisTestServer[],
    readonly sentinels: RedisProcess[],
    private readonly dir: string,
  ) {}

  static async start(options: RedisSentinelOptions = {}): Promise<RedisSentinelTest> {
    const masterName = options.masterName ?? 'ideagraph';
    const dir = mkdtempSync(join(tmpdir(), 'ideagraph-sentinel-'));
    const servers: RedisTestServer[] = [];
    const sentinels: RedisProcess[] = [];
    const group = new RedisSentinelTest(masterName, servers, sentinels, dir);
    try {
      // Redis delays a diskless full sync by 5 s to batch replicas; there is only one.
      const syncNow = ['--repl-diskless-sync-delay', '0'];
      const master = await RedisTestServer.start({ args: syncNow });
      servers.push(master);
      servers.push(
        await RedisTestServer.start({ args: [...syncNow, '--replicaof', master.host, String(master.port)] }),
      );
      for (let i = 0; i < (options.sentinels ?? 3); i++) {
        const port = await freePort();
        const config = join(dir, `sentinel-${port}.conf`);
        writeFileSync(
          config,
          [
            `port ${port}`,
            'bind 127.0.0.1',
            `dir ${dir}`,
            `sentinel monitor ${masterName} ${master.host} ${master.port} 2`,
            `sentinel down-after-milliseconds ${masterName} 1000`,
            `sentinel failover-timeout ${masterName} 10000`,
            '',
          ].join('\n'),
        );
        sentinels.push(await RedisProcess.start(port, [config, '--sentinel', '--loglevel', 'warning']));
      }
      await group.waitUntilReady();
      return group;
    } catch (error) {
      await group.stop();
      throw error;
    }
  }

  /** REDIS_SENTINELS value. */
  get addresses(): string {
    return this.sentinels.map((s) => `127.0.0.1:${s.port}`).join(',');
  }

  env(): Record<string, string> {
    return { CACHE_BACKEND: 'redis', REDIS_SENTINELS: this.addresses, REDIS_SENTINEL_MASTER: this.masterName };
  }

  /** Runs redis-cli against the first Sentinel. */
  sentinelCli(...args: string[]): string {
    return execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(this.sentinels[0].port), ...args], {
      encoding: 'utf8',
    }).trim();
  }

  /** The master as the Sentinels see it now. */
  masterServer(): RedisTestServer {
    const port = Number(this.sentinelCli('SENTINEL', 'get-master-addr-by-name', this.masterName).split('\n')[1]);
    const server = this.servers.find((s) => s.port === port);
    if (!server) throw new Error(`Sentinels name an unknown master on port ${port}`);
    return server;
  }

  /** Until the replica is in sync and every Sentinel knows it and the other Sentinels. */
  async waitUntilReady(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const master = this.masterServer();
        const replica = this.servers.find((s) => s !== master)!;
        const synced = /master_link_status:up/.test(replica.cli('INFO', 'replication'));
        const views = this.sentinels.map((s) =>
          execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(s.port), 'SENTINEL', 'master', this.masterName], {
            encoding: 'utf8',
          }),
        );
        const field = (view: string, name: string) => new RegExp(`^${name}\\n(.*)$`, 'm').exec(view)?.[1];
        const ready = views.every(
          (view) =>
            Number(field(view, 'num-slaves')) >= 1 &&
            Number(field(view, 'num-other-sentinels')) >= this.sentinels.length - 1 &&
            field(view, 'flags') === 'master',
        );
        last = `replica synced ${synced}, sentinels ready ${ready}`;
        if (synced && ready) return;
      } catch (error) {
        last = String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Sentinel group not ready within ${timeoutMs} ms (${last})`);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.sentinels.map((s) => s.kill()), ...this.servers.map((s) => s.stop())]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
