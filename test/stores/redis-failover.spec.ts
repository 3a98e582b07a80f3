import type { INestApplication } from '@nestjs/common';
import { CacheManagerService } from '../../src';
import { redisClientOptions } from '../../src/stores/redis-client.factory';
import { defaultCacheOptions } from '../../src/config/cache-defaults';
import { RedisTestServer } from '../helpers/redis-server';
import { createCacheApp } from '../helpers/test-app';
import { SwitchableForwarder } from './support/switchable-forwarder';

/** Polls until `check` is true; fails after `limitMs`. Recovery is checked this way, never by its speed. */
async function eventually(check: () => Promise<boolean>, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A managed Redis failing over behind one address: the old primary is demoted to a
 * replica of the new one (so it answers, but refuses writes with READONLY), and the
 * address moves to the new primary for new connections. The app must leave the old node.
 */
describe('redis: a primary demoted to a replica behind the same address', () => {
  let oldPrimary: RedisTestServer;
  let newPrimary: RedisTestServer;
  let address: SwitchableForwarder;
  let app: INestApplication;
  let cache: CacheManagerService;

  beforeAll(async () => {
    [oldPrimary, newPrimary] = await Promise.all([RedisTestServer.start(), RedisTestServer.start()]);
    address = await SwitchableForwarder.start({ host: oldPrimary.host, port: oldPrimary.port });
    app = await createCacheApp({
      CACHE_BACKEND: 'redis',
      REDIS_HOST: address.host,
      REDIS_PORT: String(address.port),
      // Time bounds are not the subject here: a stall on a busy machine must not look like the failover.
      REDIS_COMMAND_TIMEOUT_MS: '2000',
    });
    cache = app.get(CacheManagerService);
  });

  afterAll(async () => {
    await app?.close();
    await address?.close();
    await Promise.all([oldPrimary?.stop(), newPrimary?.stop()]);
  });

  it('reconnects on READONLY and writes to the new primary, without a restart', async () => {
    expect(await cache.set('before', 1)).toBe(true);
    expect(oldPrimary.cli('GET', ':1:before')).toBe('1');

    oldPrimary.cli('REPLICAOF', newPrimary.host, String(newPrimary.port));
    address.retarget({ host: newPrimary.host, port: newPrimary.port });
    // The app's connection still reaches the demoted node: its first write is refused there.
    expect(await cache.set('refused', 1)).toBe(false);

    await eventually(async () => (await cache.set('after', 2)) && newPrimary.cli('GET', ':1:after') === '2', 10_000);
    expect(await cache.get('after')).toBe(2);
    expect(await cache.incr('after')).toBe(3);
    expect(newPrimary.cli('GET', ':1:after')).toBe('3');
  });
});

describe('reconnectOnError', () => {
  const reconnectOnError = redisClientOptions(defaultCacheOptions().redis).reconnectOnError!;

  it.each([
    "READONLY You can't write against a read only replica.",
    "READONLY You can't write against a read only replica. script: e4b630ca, on @user_script:1.",
  ])('reconnects on %p', (message) => {
    expect(reconnectOnError(new Error(message))).toBe(1);
  });

  it.each([
    'WRONGPASS invalid username-password pair or user is disabled.',
    'WRONGTYPE Operation against a key holding the wrong kind of value',
    'ERR value is not an integer or out of range',
    'OOM command not allowed when used memory > maxmemory.',
  ])('does not reconnect on %p: a new connection would get the same answer', (message) => {
    expect(reconnectOnError(new Error(message))).toBe(false);
  });
});
