import type { INestApplication } from '@nestjs/common';
import Redis from 'ioredis';
import { CacheManagerService } from '../../../src';
import { SUB_MILLISECOND_MICROS } from '../../../src/codec/django/python-datetime';
import { djangoPeer, type PeerCheck } from '../../helpers/django-peer';
import { RedisTestServer } from '../../helpers/redis-server';
import { createCacheApp } from '../../helpers/test-app';
import { BOTH_WAYS, JS_TO_PYTHON, PYTHON_TO_JS } from './python-value-table';

/**
 * Both directions through a real redis-server, with CPython as Django: Python stores with
 * RedisSerializer's rules over RESP and CacheManagerService reads; CacheManagerService
 * stores and Python reads with RedisSerializer.loads and compares, types included.
 */
describe.each(['redis', 'hybrid'])('django values through Redis (%s backend)', (backend) => {
  let redis: RedisTestServer;
  let app: INestApplication;
  let cache: CacheManagerService;
  let raw: Redis;

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    raw = new Redis(redis.url);
    app = await createCacheApp({ ...redis.env(), CACHE_BACKEND: backend, CACHE_VALUE_FORMAT: 'django' });
    cache = app.get(CacheManagerService);
  });

  afterAll(async () => {
    await app?.close();
    await raw?.quit();
    await redis?.stop();
  });

  const fromPython = [...BOTH_WAYS, ...PYTHON_TO_JS];

  it('Python writes every value of the table; get and getMany read the JS value', async () => {
    djangoPeer({
      command: 'redis-write',
      port: redis.port,
      items: fromPython.map((c, i) => ({ key: `:1:py:${i}`, expr: c.python, timeout: 300 })),
    });
    const many = await cache.getMany(fromPython.map((_, i) => `py:${i}`));
    for (const [i, c] of fromPython.entries()) {
      const value = await cache.get(`py:${i}`);
      expectExactly(value, c.js, c.name);
      expectExactly(many[`py:${i}`], c.js, c.name);
    }
  });

  it('we write every value of the table with set and setMany; Python reads it back equal, types included', async () => {
    const toPython = [...BOTH_WAYS, ...JS_TO_PYTHON];
    for (const [i, c] of toPython.entries()) expect(await cache.set(`js:${i}`, c.js)).toBe(true);
    await cache.setMany(Object.fromEntries(toPython.map((c, i) => [`many:${i}`, c.js])), 300);
    const items = toPython.flatMap((c, i) => [
      { key: `:1:js:${i}`, expr: c.python },
      { key: `:1:many:${i}`, expr: c.python },
    ]);
    const checks = djangoPeer<PeerCheck[]>({ command: 'redis-check', port: redis.port, items });
    expect(
      checks.map((check, i) => ({ ...check, key: items[i].key, expr: items[i].expr })).filter((check) => !check.ok),
    ).toEqual([]);
  });

  it('bytes 0x80 to 0xff are stored as themselves: Redis holds the pickle Python writes, byte for byte', async () => {
    const entry = {
      token: 'tök€n',
      expires_at: new Date('2026-05-06T07:08:09.123Z'),
      raw: Buffer.from([0x80, 0xff, 0x00]),
    };
    await cache.set('bytes', entry);
    const [python] = djangoPeer<string[]>({
      command: 'dumps',
      exprs: [
        "{'token': 'tök€n', 'expires_at': datetime.datetime(2026, 5, 6, 7, 8, 9, 123000), 'raw': b'\\x80\\xff\\x00'}",
      ],
    });
    expect((await raw.getBuffer(':1:bytes'))!.toString('hex')).toBe(python);
  });

  it('integers are plain decimal both ways: Python stores 41, incr makes it 42, Python reads 42', async () => {
    djangoPeer({ command: 'redis-write', port: redis.port, items: [{ key: ':1:counter', expr: '41' }] });
    expect(await raw.get(':1:counter')).toBe('41');
    expect(await cache.incr('counter')).toBe(42);
    expect(
      djangoPeer<PeerCheck[]>({
        command: 'redis-check',
        port: redis.port,
        items: [{ key: ':1:counter', expr: '42' }],
      })[0].ok,
    ).toBe(true);
    await cache.set('ours', 7);
    expect(await raw.get(':1:ours')).toBe('7');
    expect(await raw.incrby(':1:ours', 3)).toBe(10);
    // (On hybrid, this process's L1 may still answer 7: a write outside the module sends no invalidation.)
    expect(
      djangoPeer<PeerCheck[]>({ command: 'redis-check', port: redis.port, items: [{ key: ':1:ours', expr: '10' }] })[0]
        .ok,
    ).toBe(true);
  });

  it('deleteIfEquals compares as stored, and matches what Django stored', async () => {
    const expr = "{'token': 'abc', 'expires_at': datetime.datetime(2026, 1, 2, 3, 4, 5, 678901)}";
    djangoPeer({ command: 'redis-write', port: redis.port, items: [{ key: ':1:django-entry', expr }] });
    const read = await cache.get('django-entry');
    expect(
      await cache.deleteIfEquals('django-entry', { token: 'abc', expires_at: new Date('2026-01-02T03:04:05.678Z') }),
    ).toBe(false);
    expect(await cache.deleteIfEquals('django-entry', read)).toBe(true);
    expect(await raw.exists(':1:django-entry')).toBe(0);
  });

  it('an add lock and its owner token work as with json (FleetLock stores a string)', async () => {
    expect(await cache.add('lock', 'owner-1', 10)).toBe(true);
    expect(await cache.add('lock', 'owner-2', 10)).toBe(false);
    expect(await cache.deleteIfEquals('lock', 'owner-2')).toBe(false);
    expect(await cache.deleteIfEquals('lock', 'owner-1')).toBe(true);
  });

  it('getOrSet entries with grace are Nest-only: we read them, Django cannot', async () => {
    expect(await cache.getOrSet('graceful', () => ({ n: 1 }), 60, { grace: 60 })).toEqual({ n: 1 });
    expect(await cache.get('graceful')).toEqual({ n: 1 });
    const [check] = djangoPeer<PeerCheck[]>({
      command: 'redis-check',
      port: redis.port,
      items: [{ key: ':1:graceful', expr: "{'n': 1}" }],
    });
    expect(check).toEqual({ ok: false, got: expect.stringMatching(/^UnpicklingError/) });
    // Without grace or refresh-ahead, getOrSet stores what set stores.
    await cache.getOrSet('plain', () => ({ n: 2 }), 60);
    expect(
      djangoPeer<PeerCheck[]>({
        command: 'redis-check',
        port: redis.port,
        items: [{ key: ':1:plain', expr: "{'n': 2}" }],
      })[0].ok,
    ).toBe(true);
  });
});

function expectExactly(actual: unknown, expected: unknown, name: string): void {
  try {
    expect(actual).toStrictEqual(expected);
    if (expected instanceof Uint8Array) expect(Buffer.isBuffer(actual)).toBe(Buffer.isBuffer(expected));
    if (expected instanceof Date)
      expect((actual as Record<symbol, unknown>)[SUB_MILLISECOND_MICROS]).toBe(
        (expected as unknown as Record<symbol, unknown>)[SUB_MILLISECOND_MICROS],
      );
  } catch (error) {
    throw new Error(`${name}: ${(error as Error).message}`);
  }
}
