import { execFileSync } from 'node:child_process';
import { Cluster } from 'ioredis';
import { freePort } from './free-port';
import { RedisTestServer } from './redis-server';

export interface RedisClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  /** cluster-node-timeout: how long a silent node takes to be marked failed and replaced. */
  nodeTimeoutMs?: number;
}

/**
 * A real Redis Cluster on loopback: redis-server --cluster-enabled yes on free ports,
 * joined by `redis-cli --cluster create`. Owned by one test file; keeps nothing on disk
 * beyond each server's temporary directory.
 */
export class RedisClusterTest {
  private constructor(readonly servers: RedisTestServer[]) {}

  static async start(options: RedisClusterOptions = {}): Promise<RedisClusterTest> {
    const masters = options.masters ?? 3;
    const replicas = options.replicasPerMaster ?? 1;
    const servers: RedisTestServer[] = [];
    const cluster = new RedisClusterTest(servers);
    try {
      for (let i = 0; i < masters * (1 + replicas); i++) {
        servers.push(
          await RedisTestServer.start({
            args: async () => [
              '--cluster-enabled',
              'yes',
              '--cluster-config-file',
              'nodes.conf',
              '--cluster-node-timeout',
              String(options.nodeTimeoutMs ?? 1000),
              // The default bus port is port + 10000, which can be taken or beyond 65535 for a random port.
              '--cluster-port',
              String(await freePort()),
              // Redis waits 5 s before a diskless full sync to batch replicas; here there is one per master.
              '--repl-diskless-sync-delay',
              '0',
            ],
          }),
        );
      }
      execFileSync(
        'redis-cli',
        [
          '--cluster',
          'create',
          ...servers.map((s) => `${s.host}:${s.port}`),
          '--cluster-replicas',
          String(replicas),
          '--cluster-yes',
        ],
        { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 },
      );
      await cluster.waitUntilHealthy(masters, replicas);
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /** REDIS_CLUSTER_NODES value: every node, as a client would list its seeds. */
  get seeds(): string {
    return this.servers.map((s) => `${s.host}:${s.port}`).join(',');
  }

  env(): Record<string, string> {
    return { CACHE_BACKEND: 'redis', REDIS_CLUSTER_NODES: this.seeds };
  }

  /** The servers that are masters right now, as a live node sees them. */
  masters(): RedisTestServer[] {
    const table = this.nodesTable();
    return this.servers.filter((s) =>
      table.some((row) => row.port === s.port && row.flags.includes('master') && !row.flags.includes('fail')),
    );
  }

  /** Waits until every slot is served by a master that answers, with `replicas` replicas each. */
  async waitUntilHealthy(masters = 3, replicas = 0, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      try {
        const live = this.servers.filter((s) => s.pid !== undefined);
        const states = live.map((s) => /cluster_state:(\w+)/.exec(s.cli('CLUSTER', 'INFO'))?.[1]);
        const table = this.nodesTable();
        const liveMasters = table.filter(
          (row) => row.flags.includes('master') && !row.flags.includes('fail') && row.slots,
        );
        const liveReplicas = table.filter((row) => row.flags.includes('slave') && !row.flags.includes('fail'));
        // A replica that has not finished its first sync cannot take over when its master dies.
        const synced = live.filter((s) => /master_link_status:up/.test(s.cli('INFO', 'replication'))).length;
        last = `states ${states.join(',')}, ${liveMasters.length} masters, ${liveReplicas.length} replicas, ${synced} synced`;
        if (
          states.every((state) => state === 'ok') &&
          liveMasters.length === masters &&
          liveReplicas.length >= masters * replicas &&
          synced >= masters * replicas
        ) {
          return;
        }
      } catch (error) {
        last = String(error);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Redis Cluster not healthy within ${timeoutMs} ms (${last})`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }

  private nodesTable(): { port: number; flags: string[]; slots: boolean }[] {
    const any = this.servers.find((s) => s.pid !== undefined);
    if (!any) return [];
    return any
      .cli('CLUSTER', 'NODES')
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const fields = line.split(' ');
        return { port: Number(/:(\d+)@/.exec(fields[1])?.[1]), flags: fields[2].split(','), slots: fields.length > 8 };
      });
  }
}

/** A plain Cluster client for checks from outside the module. */
export async function rawClusterClient(seeds: string): Promise<Cluster> {
  const nodes = seeds.split(',').map((seed) => ({ host: seed.split(':')[0], port: Number(seed.split(':')[1]) }));
  const cluster = new Cluster(nodes, { lazyConnect: true, redisOptions: { maxRetriesPerRequest: 1 } });
  await cluster.connect();
  return cluster;
}
