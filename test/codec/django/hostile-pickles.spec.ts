import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import { CacheManagerService, IdeaGraphCacheModule } from '../../../src';
import { writePickle } from '../../../src/codec/django/pickle-writer';
import { djangoPeer } from '../../helpers/django-peer';
import { RedisTestServer } from '../../helpers/redis-server';
import { envOnlyConfig } from '../../helpers/test-app';

/** Bytes from pieces: numbers are bytes, strings latin1 text. */
function bytes(...parts: (number | string | Buffer)[]): Buffer {
  return Buffer.concat(
    parts.map((part) =>
      typeof part === 'number' ? Buffer.from([part]) : typeof part === 'string' ? Buffer.from(part, 'latin1') : part,
    ),
  );
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
};

/** Tuples, each holding the one before it twice (a memo reference): 2^levels nodes to any walk, 4 bytes a level here. */
function billionLaughs(levels: number): Buffer {
  const parts: (number | string | Buffer)[] = [0x80, 5, ']', 0x94];
  for (let level = 0; level < levels; level++) parts.push('h', level, 0x86, 0x94);
  return bytes(...parts, '.');
}

function nested(depth: number): Buffer {
  return bytes(0x80, 5, ']'.repeat(depth), 'a'.repeat(depth - 1), '.');
}

describe('hostile values under CACHE_VALUE_FORMAT=django: every one is a miss, nothing runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ideagraph-hostile-'));
  const marker = join(dir, 'executed');
  let redis: RedisTestServer;
  let raw: Redis;
  let app: INestApplication;
  let cache: CacheManagerService;
  const logs: string[] = [];
  let table: [string, Buffer][] = [];

  beforeAll(async () => {
    redis = await RedisTestServer.start();
    raw = new Redis(redis.url);
    const fromPython = djangoPeer<Record<string, string>>({ command: 'hostile', marker });
    const datetimeState = Buffer.from('07ea0102030405000006', 'hex');
    const valid = writePickle({ token: 'abc', expires_at: new Date(0), list: [1, 2, 3] });
    table = [
      ...Object.entries(fromPython).map(([name, hex]): [string, Buffer] => [name, Buffer.from(hex, 'hex')]),
      ['protocol 0 os.system (no PROTO)', bytes(`cos\nsystem\n(S'touch ${marker}'\ntR.`)],
      ['INST', bytes(0x80, 2, '(', 'ios\nsystem\n', '.')],
      ['OBJ on an allowed global', bytes(0x80, 2, '(cdatetime\ndatetime\no.')],
      ['NEWOBJ on datetime', bytes(0x80, 4, 0x8c, 8, 'datetime', 0x8c, 8, 'datetime', 0x93, ')', 0x81, '.')],
      ['NEWOBJ_EX', bytes(0x80, 4, 0x8c, 8, 'datetime', 0x8c, 8, 'datetime', 0x93, ')', '}', 0x92, '.')],
      [
        'BUILD on a datetime',
        bytes(0x80, 3, 'cdatetime\ndatetime\n', 'C', 10, datetimeState, 0x85, 'R', '}', 'b', '.'),
      ],
      [
        'REDUCE on datetime with a str (Python 2 state)',
        bytes(
          0x80,
          3,
          'cdatetime\ndatetime\n',
          'X',
          u32(10),
          Buffer.from('07000102030405000006', 'hex'),
          0x85,
          'R',
          '.',
        ),
      ],
      [
        'REDUCE on datetime with three ints',
        bytes(0x80, 3, 'cdatetime\ndatetime\n', 'M', u32(2026).subarray(0, 2), 'K', 1, 'K', 1, 0x87, 'R', '.'),
      ],
      ['REDUCE on something that is not a global', bytes(0x80, 5, ']', ')', 'R', '.')],
      ['a timedelta on its own', bytes(0x80, 3, 'cdatetime\ntimedelta\n', 'K', 1, 'K', 0, 'K', 0, 0x87, 'R', '.')],
      ['a GLOBAL line that never ends', bytes(0x80, 2, 'c', 'd'.repeat(5000))],
      ['a persistent id (BINPERSID)', bytes(0x80, 5, 0x8c, 1, 'x', 'Q', '.')],
      ['an extension code (EXT1)', bytes(0x80, 5, 0x82, 1, '.')],
      ['BINUNICODE8 claiming 2^63 bytes', bytes(0x80, 5, 0x8d, u64(2n ** 63n), 'abc', '.')],
      ['BINBYTES claiming 4 GiB', bytes(0x80, 5, 'B', u32(0xffffffff), 'abcd', '.')],
      ['LONG4 claiming 2 GiB', bytes(0x80, 5, 0x8b, u32(0x7fffffff), 'ab', '.')],
      ['a FRAME claiming 1 TiB', bytes(0x80, 5, 0x95, u64(2n ** 40n), 'N.')],
      ['lists nested 100000 deep', nested(100_000)],
      ['lists nested 101 deep', nested(101)],
      ['memo references expanding to 2^60 nodes', billionLaughs(60)],
      ['a list that contains itself', bytes(0x80, 5, ']', 0x94, 'h', 0, 'a', '.')],
      ['a memo reference to nothing', bytes(0x80, 5, 'h', 7, '.')],
      ['LONG_BINGET 0xffffffff', bytes(0x80, 5, 'N', 'r', u32(0xffffffff), 'j', u32(0xfffffffe), '.')],
      ['APPENDS without a MARK', bytes(0x80, 5, ']', 'N', 'e', '.')],
      ['a MARK left open', bytes(0x80, 5, '(', 'N', '.')],
      ['two values left on the stack', bytes(0x80, 5, 'N', 'N', '.')],
      ['truncated', valid.subarray(0, Math.floor(valid.length / 2))],
      ['no STOP', valid.subarray(0, valid.length - 1)],
      ['truncated outside any frame', bytes(0x80, 5, 'N')],
      ['bytes after STOP', bytes(valid, 'cos\nsystem\n')],
      ['protocol 6', bytes(0x80, 6, 'N.')],
      ['Python 2 str (SHORT_BINSTRING)', bytes(0x80, 2, 'U', 1, 'x', '.')],
      ['DUP', bytes(0x80, 5, 'N', '2', '.')],
      ['a str that is not UTF-8', bytes(0x80, 5, 0x8c, 2, 0xc3, 0x28, '.')],
      [
        'a datetime on February 30',
        bytes(0x80, 3, 'cdatetime\ndatetime\n', 'C', 10, Buffer.from('07ea021e000000000000', 'hex'), 0x85, 'R', '.'),
      ],
      [
        'a timezone offset of 24 hours',
        bytes(
          0x80,
          3,
          'cdatetime\ndatetime\n',
          'C',
          10,
          datetimeState,
          'cdatetime\ntimezone\n',
          'cdatetime\ntimedelta\n',
          'K',
          1,
          'K',
          0,
          'K',
          0,
          0x87,
          'R',
          0x85,
          'R',
          0x86,
          'R',
          '.',
        ),
      ],
      ['~ig1: look-alike of a tagged value', bytes('~ig1:{"~t":"date","v":"2024-01-01T00:00:00.000Z"}')],
      [
        '~ige: entry header around os.system',
        bytes('~ige:1:9999999999999:9999999999999:', Buffer.from(fromPython['os.system through REDUCE'], 'hex')),
      ],
      ['~ige: header that is malformed', bytes('~ige:9:1:1:', 'N.')],
      ['JSON a json-format process wrote', bytes('{"accessToken":"x","expiresOn":"2026-01-01T00:00:00.000Z"}')],
      ['text with a NUL and high bytes', bytes(0, 0xff, 0xfe, 'x')],
    ];
    const moduleRef = await Test.createTestingModule({
      imports: [
        envOnlyConfig({ ...redis.env(), CACHE_VALUE_FORMAT: 'django', CACHE_KEY_PREFIX: 'app', CACHE_VERSION: '3' }),
        IdeaGraphCacheModule.forRootAsync(),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: capture(logs) });
    await app.init();
    cache = app.get(CacheManagerService);
  });

  afterAll(async () => {
    await app?.close();
    await raw?.quit();
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has at least 40 cases, Python-made and hand-made', () => {
    expect(table.length).toBeGreaterThanOrEqual(40);
  });

  it('get, getMany, ttl and getOrSet treat each as absent; no code runs; the process stays healthy', async () => {
    const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    for (const [i, [name, data]] of table.entries()) {
      const key = `hostile:${i}`;
      await raw.set(`app:3:${key}`, data);
      await expect(cache.get(key)).resolves.toBeUndefined();
      await expect(cache.get(key, 'fallback')).resolves.toBe('fallback');
      await expect(cache.getMany([key])).resolves.toEqual({});
      // ttl reports the entry's time left in Redis; reading it must not trip over the value.
      await expect(cache.ttl(key)).resolves.toBeNull();
      await expect(cache.getOrSet(key, () => `computed ${name}`)).resolves.toBe(`computed ${name}`);
      await expect(cache.get(key)).resolves.toBe(`computed ${name}`);
    }
    expect(existsSync(marker)).toBe(false);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(await cache.set('after', { ok: [1, 'two'] })).toBe(true);
    expect(await cache.get('after')).toEqual({ ok: [1, 'two'] });
    expect(cache.getStats().errors).toBe(0);
  });

  it('warns, throttled, naming the cache (prefix:version) and the reason, never the key or the value', () => {
    const warnings = logs.filter((line) => line.startsWith('warn') && line.includes('was not read'));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThan(table.length / 4);
    expect(warnings[0]).toMatch(
      /a value under "app:3:" was not read \(.+\); it counts as a miss \(CACHE_VALUE_FORMAT=django\)/,
    );
    for (const line of warnings) {
      expect(line).not.toContain('hostile:');
      expect(line).not.toContain(marker);
      expect(line).not.toMatch(/system|eval|exec|Popen|accessToken/);
    }
  });
});

function capture(lines: string[]): LoggerService {
  const record = (level: string) => (message: unknown) => lines.push(`${level} ${String(message)}`);
  return {
    log: record('log'),
    error: record('error'),
    warn: record('warn'),
    debug: record('debug'),
    verbose: record('verbose'),
    fatal: record('fatal'),
  };
}
