import Redis from 'ioredis';
import { RedisTestServer } from '../helpers/redis-server';
import { CaptureLogger } from '../helpers/capture-logger';
import { type FaultApp, startFaultApp } from './support/fault-app';
import { sleep } from './support/timing';

/**
 * Error replies about one command must fail that call alone. Each case here opened the
 * breaker for every key before, on a real redis-server.
 */
describe('error replies about one key never open the breaker for the others (real redis-server)', () => {
  const logger = new CaptureLogger();
  let server: RedisTestServer;
  let fault: FaultApp;
  let admin: Redis;

  beforeAll(async () => {
    server = await RedisTestServer.start();
    // Error replies are what these tests are about: a command that times out because this
    // 2-core machine is busy opens the breaker too, rightly, and says nothing about them.
    fault = await startFaultApp({ ...server.env(), REDIS_COMMAND_TIMEOUT_MS: '2000' }, logger);
    admin = new Redis({ host: server.host, port: server.port, lazyConnect: true });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.quit();
    await fault?.app.close();
    await server?.stop();
  });

  it('20 loops reading a foreign hash (WRONGTYPE) while a healthy key is read: the healthy key hits every time', async () => {
    await admin.hset(':1:foreign-hash', 'field', 'value');
    await fault.cache.set('healthy', 'yes', null);
    let healthyHits = 0;
    let foreignReads = 0;
    let done = false;
    const foreign = Array.from({ length: 20 }, async () => {
      while (!done) {
        expect(await fault.cache.get('foreign-hash', 'fallback')).toBe('fallback');
        foreignReads++;
      }
    });
    const started = Date.now();
    const healthy = (async () => {
      for (let i = 0; i < 500; i++) if ((await fault.cache.get('healthy')) === 'yes') healthyHits++;
      done = true;
    })();
    await Promise.all([...foreign, healthy]);
    expect(foreignReads).toBeGreaterThan(500);
    expect(healthyHits).toBe(500);
    expect(fault.guard.breakerState).toBe('closed');
    // One line, then at most one summary per 5 s log window (src/resilience/fault-log.ts): on a
    // loaded machine the loops outlast a window.
    const windows = Math.floor((Date.now() - started) / 5000);
    const logged = logger.lines.filter((line) => line.text.includes('WRONGTYPE'));
    expect(logged.length).toBeGreaterThanOrEqual(1);
    expect(logged.length).toBeLessThanOrEqual(1 + windows);
    for (const line of logged.slice(1)) expect(line.text).toMatch(/similar failures in the last 5 s not logged/);
    // 520 and more reads took over 30 s on a loaded 2-core machine; nothing here is timed.
  }, 120_000);

  it('maxmemory with noeviction: refused writes fail alone, and present keys still read', async () => {
    await fault.cache.set('present', 'still here', null);
    const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1]);
    await admin.config('SET', 'maxmemory-policy', 'noeviction');
    await admin.config('SET', 'maxmemory', String(used + 64 * 1024));
    try {
      const big = 'x'.repeat(100 * 1024);
      const results: boolean[] = [];
      for (let i = 0; i < 10; i++) results.push(await fault.cache.set(`big-${i}`, big));
      expect(results.filter((written) => !written).length).toBeGreaterThanOrEqual(9);
      expect(fault.guard.breakerState).toBe('closed');
      expect(await fault.cache.get('present')).toBe('still here');
    } finally {
      await admin.config('SET', 'maxmemory', '0');
    }
    // Each refused set left the key's old value in place: recovery deleted it once Redis took commands again.
    await fault.cache.get('present');
    expect(fault.guard.recoveryStats.pending).toBe(0);
  });

  it('an expiry Redis would refuse is a CacheValueError INVALID_TIMEOUT before it reaches Redis', async () => {
    for (let i = 0; i < 6; i++) {
      await expect(fault.cache.set('far', 'v', 1e16)).rejects.toMatchObject({ code: 'INVALID_TIMEOUT' });
    }
    expect(fault.guard.breakerState).toBe('closed');
    expect(await fault.cache.set('near', 'v', 60)).toBe(true);
  });

  it('eight getMany calls of 100k keys at once: none times out, and the breaker stays closed for single-key calls', async () => {
    // With the default command bound, from which the batch bounds are scaled: they are under test here.
    const fault = await startFaultApp(server.env(), logger);
    try {
      await batchesStayBounded(fault);
    } finally {
      await fault.app.close();
    }
    // Booting an app and writing and reading 100k keys eight times took over 30 s on a loaded 2-core machine.
  }, 120_000);

  async function batchesStayBounded(fault: FaultApp): Promise<void> {
    await fault.cache.set('single', 'answers', null);
    const keys = Array.from({ length: 100_000 }, (_, i) => `batch-${i}`);
    expect(await fault.cache.setMany(Object.fromEntries(keys.map((k, i) => [k, i])))).toBe(true);
    const shortCircuitedBefore = fault.guard.counters.shortCircuited;
    const logBefore = logger.lines.length;
    const batches = Array.from({ length: 8 }, () => fault.cache.getMany<number>(keys));
    let singlesAnswered = 0;
    for (let i = 0; i < 20; i++) {
      if ((await fault.cache.get('single')) === 'answers') singlesAnswered++;
      await sleep(5);
    }
    const results = await Promise.all(batches);
    for (const result of results) expect(Object.keys(result)).toHaveLength(100_000);
    expect(logger.lines.slice(logBefore).filter((line) => line.text.includes('getMany'))).toEqual([]);
    // Before, single calls queued behind the batches timed out five times, the breaker opened, and every call failed.
    expect(fault.guard.counters.shortCircuited).toBe(shortCircuitedBefore);
    expect(fault.guard.breakerState).toBe('closed');
    // A single call may still miss its bound while this process decodes 800k values on a busy machine; most answer.
    expect(singlesAnswered).toBeGreaterThanOrEqual(15);
    expect(await fault.cache.get('single')).toBe('answers');
  }
});
