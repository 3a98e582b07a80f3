import Redis from 'ioredis';
import { fleetLockKey } from '../../src/get-or-set/lock-key';
import { RedisTestServer } from '../helpers/redis-server';
import { TcpProxy } from '../helpers/tcp-proxy';
import { LockProcess } from './support/lock-process';
import { waitFor } from './support/timing';

const PREFIX = 'locks';
/** Long enough that B holds its locks through the whole test. */
const LOCK_TTL_MS = 60_000;

/**
 * A lock is owned. A's lock attempt fails in a partition and is queued for recovery; B,
 * healthy, takes the lock meanwhile. When A reconnects, its recovery must not remove B's
 * lock, or C takes it too and two processes hold one lock at once.
 *
 * A reaches Redis through a TCP proxy; B and C and the checks go to Redis directly.
 */
describe('write recovery never removes a lock another process took after the failure (real processes, TCP proxy)', () => {
  let server: RedisTestServer;
  let proxy: TcpProxy;
  let direct: Redis;
  const processes: LockProcess[] = [];

  beforeAll(async () => {
    server = await RedisTestServer.start();
    proxy = await TcpProxy.start({ host: server.host, port: server.port });
    direct = new Redis({ host: server.host, port: server.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    await direct.connect();
  });

  afterAll(async () => {
    await Promise.all(processes.map((process) => process.stop()));
    await direct?.quit();
    await proxy?.close();
    await server?.stop();
  });

  it("A's failed fleet lock and add are made good without deleting B's locks; C does not become a second holder", async () => {
    const env = (host: string, port: number) => ({
      CACHE_BACKEND: 'redis',
      REDIS_HOST: host,
      REDIS_PORT: String(port),
      CACHE_KEY_PREFIX: PREFIX,
    });
    const [a, b, c] = await Promise.all([
      LockProcess.start(0, env(proxy.host, proxy.port)),
      LockProcess.start(1, env(server.host, server.port)),
      LockProcess.start(2, env(server.host, server.port)),
    ]);
    processes.push(a, b, c);

    await proxy.cut('reset');
    // A's attempts fail: each is queued for recovery.
    expect((await a.tryLock('report', LOCK_TTL_MS)).kind).toBe('unavailable');
    expect(await a.add('job-lock', 'A', 60)).toBe(false);
    expect((await a.recovery()).pending).toBeGreaterThanOrEqual(2);

    // B, healthy, takes both locks while A is cut off.
    const held = await b.tryLock('report', LOCK_TTL_MS);
    expect(held.kind).toBe('acquired');
    expect(await b.add('job-lock', 'B', 60)).toBe(true);

    await proxy.heal();
    expect(await waitFor(async () => (await a.recovery()).pending === 0, 20_000)).toBe(true);
    const recovery = await a.recovery();
    process.stdout.write(`owned-lock recovery: A ${JSON.stringify(recovery)}\n`);

    // B's locks are still B's, in Redis and as C sees them.
    expect(JSON.parse((await direct.get(`${PREFIX}:1:${fleetLockKey('report')}`)) ?? 'null')).toBe(held.owner);
    expect(await direct.get(`${PREFIX}:1:job-lock`)).toBe('"B"');
    expect(await c.tryLock('report', LOCK_TTL_MS)).toEqual({ kind: 'held', owner: held.owner });
    expect(await c.add('job-lock', 'C', 60)).toBe(false);
  }, 120_000);
});
