import { Test } from '@nestjs/testing';
import Redis from 'ioredis';
import {
  CacheConfigError,
  CacheKeyError,
  CacheManagerService,
  CacheValueError,
  IdeaGraphCacheModule,
  type CacheValueErrorCode,
} from '../../src';
import { RedisTestServer } from '../helpers/redis-server';
import { CaptureLogger } from '../helpers/capture-logger';
import { type FaultApp, startFaultApp } from './support/fault-app';
import { envOnlyConfig } from '../helpers/test-app';

/** Boots the module from `env`; resolves with the startup error (or undefined if it started). */
async function startupError(env: Record<string, string>): Promise<unknown> {
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [envOnlyConfig(env), IdeaGraphCacheModule.forRootAsync()],
    }).compile();
    await moduleRef.close();
    return undefined;
  } catch (error) {
    return error;
  }
}

interface ConfigCase {
  variable: string;
  value: string;
  why: string;
  /** The value is a secret: the message must not echo it. */
  secret?: boolean;
}

const CONFIG_CASES: ConfigCase[] = [
  { variable: 'CACHE_BACKEND', value: 'memcached', why: 'unknown backend' },
  { variable: 'CACHE_BACKEND', value: '', why: 'empty where required' },
  { variable: 'REDIS_HOST', value: '  ', why: 'empty where required' },
  { variable: 'REDIS_PORT', value: 'sixty', why: 'non-numeric' },
  { variable: 'REDIS_PORT', value: '70000', why: 'out of range' },
  { variable: 'REDIS_PORT', value: '', why: 'empty where required' },
  { variable: 'REDIS_DB', value: '-1', why: 'out of range' },
  { variable: 'REDIS_COMMAND_TIMEOUT_MS', value: '200ms', why: 'non-numeric' },
  { variable: 'REDIS_COMMAND_TIMEOUT_MS', value: '0', why: 'out of range' },
  { variable: 'REDIS_CONNECT_TIMEOUT_MS', value: '1.5', why: 'not an integer' },
  { variable: 'CACHE_REDIS_REQUIRED', value: 'maybe', why: 'not a boolean' },
  { variable: 'CACHE_DEFAULT_TIMEOUT', value: '-5', why: 'out of range' },
  { variable: 'CACHE_VERSION', value: 'v2', why: 'non-numeric' },
  { variable: 'CACHE_MAX_ENTRIES', value: '0', why: 'out of range' },
  { variable: 'CACHE_MAX_VALUE_BYTES', value: '1MB', why: 'non-numeric' },
  { variable: 'CACHE_HEALTH_CACHE_MS', value: '999999', why: 'out of range' },
  { variable: 'CACHE_METRICS_PATH', value: '', why: 'empty where required' },
  { variable: 'GRAPH_TOKEN_TIMEOUT_MS', value: 'soon', why: 'non-numeric' },
  { variable: 'GRAPH_TOKEN_CACHE_DURATION', value: '0', why: 'out of range' },
  { variable: 'REDIS_SENTINELS', value: 'sentinel-without-port', why: 'malformed host list' },
  { variable: 'REDIS_URL', value: 'http://:hunter2-in-url@example.invalid', why: 'wrong scheme', secret: true },
  { variable: 'GRAPH_TOKEN_ENCRYPTION_KEY', value: 'too-short-key-secret', why: 'not a 32-byte key', secret: true },
];

interface CallCase {
  name: string;
  call: (cache: CacheManagerService) => Promise<unknown>;
  error: typeof CacheKeyError | typeof CacheValueError;
  code?: CacheValueErrorCode;
}

class Invoice {
  constructor(readonly total: number) {}
}

const ONE_MIB = 1024 * 1024;
const circularObject: Record<string, unknown> = { name: 'loop' };
circularObject.self = circularObject;
const circularArray: unknown[] = [1];
circularArray.push(circularArray);

const CALL_CASES: CallCase[] = [
  { name: 'key is a number', call: (c) => c.set(42 as unknown as string, 'v'), error: CacheKeyError },
  { name: 'key is null', call: (c) => c.get(null as unknown as string), error: CacheKeyError },
  { name: 'key is an object', call: (c) => c.delete({ id: 1 } as unknown as string), error: CacheKeyError },
  { name: 'key is empty', call: (c) => c.set('', 'v'), error: CacheKeyError },
  { name: 'key is 1025 characters', call: (c) => c.set('k'.repeat(1025), 'v'), error: CacheKeyError },
  { name: 'key contains a newline', call: (c) => c.set('user:1\nFLUSHALL', 'v'), error: CacheKeyError },
  { name: 'key contains NUL', call: (c) => c.add('a\u0000b', 'v'), error: CacheKeyError },
  { name: 'key contains DEL', call: (c) => c.incr('a\u007fb'), error: CacheKeyError },
  { name: 'one bad key in setMany', call: (c) => c.setMany({ good: 1, '': 2 }), error: CacheKeyError },
  { name: 'value is a function', call: (c) => c.set('k', () => 1), error: CacheValueError, code: 'UNSUPPORTED_TYPE' },
  { name: 'value is a symbol', call: (c) => c.set('k', Symbol('s')), error: CacheValueError, code: 'UNSUPPORTED_TYPE' },
  { name: 'value is undefined', call: (c) => c.set('k', undefined), error: CacheValueError, code: 'UNSUPPORTED_TYPE' },
  {
    name: 'value is a class instance',
    call: (c) => c.set('k', new Invoice(3)),
    error: CacheValueError,
    code: 'UNSUPPORTED_TYPE',
  },
  {
    name: 'value is a WeakMap',
    call: (c) => c.set('k', new WeakMap()),
    error: CacheValueError,
    code: 'UNSUPPORTED_TYPE',
  },
  {
    name: 'value is a Promise',
    call: (c) => c.set('k', Promise.resolve(1)),
    error: CacheValueError,
    code: 'UNSUPPORTED_TYPE',
  },
  {
    name: 'function nested in an object',
    call: (c) => c.set('k', { a: { b: () => 1 } }),
    error: CacheValueError,
    code: 'UNSUPPORTED_TYPE',
  },
  { name: 'circular object', call: (c) => c.set('k', circularObject), error: CacheValueError, code: 'CIRCULAR' },
  { name: 'circular array', call: (c) => c.add('k', circularArray), error: CacheValueError, code: 'CIRCULAR' },
  { name: 'value over 1 MiB', call: (c) => c.set('k', 'x'.repeat(ONE_MIB)), error: CacheValueError, code: 'TOO_LARGE' },
  {
    name: 'value over 1 MiB in bytes, not characters',
    call: (c) => c.set('k', 'é'.repeat(600_000)),
    error: CacheValueError,
    code: 'TOO_LARGE',
  },
  {
    name: 'one oversized value in setMany',
    call: (c) => c.setMany({ small: 1, big: 'x'.repeat(ONE_MIB) }),
    error: CacheValueError,
    code: 'TOO_LARGE',
  },
  {
    name: 'oversized value in getOrSet',
    call: (c) => c.getOrSet('k', () => 'x'.repeat(ONE_MIB)),
    error: CacheValueError,
    code: 'TOO_LARGE',
  },
  {
    name: 'timeout is a string',
    call: (c) => c.set('k', 1, '60' as unknown as number),
    error: CacheValueError,
    code: 'INVALID_TIMEOUT',
  },
  { name: 'timeout is NaN', call: (c) => c.set('k', 1, Number.NaN), error: CacheValueError, code: 'INVALID_TIMEOUT' },
  {
    name: 'timeout is Infinity',
    call: (c) => c.touch('k', Number.POSITIVE_INFINITY),
    error: CacheValueError,
    code: 'INVALID_TIMEOUT',
  },
  {
    name: 'incr delta is a fraction',
    call: (c) => c.incr('counter', 1.5),
    error: CacheValueError,
    code: 'NOT_AN_INTEGER',
  },
  {
    name: 'incr delta is NaN',
    call: (c) => c.incr('counter', Number.NaN),
    error: CacheValueError,
    code: 'NOT_AN_INTEGER',
  },
  {
    name: 'incr delta beyond 2^53',
    call: (c) => c.incr('counter', 2 ** 53),
    error: CacheValueError,
    code: 'NOT_AN_INTEGER',
  },
  {
    name: 'decr delta is a string',
    call: (c) => c.decr('counter', '1' as unknown as number),
    error: CacheValueError,
    code: 'NOT_AN_INTEGER',
  },
  { name: 'incr on a stored non-integer', call: (c) => c.incr('text'), error: CacheValueError, code: 'NOT_AN_INTEGER' },
];

describe('bad input gets a clear answer', () => {
  it('the table has at least 25 cases', () => {
    expect(CONFIG_CASES.length + CALL_CASES.length).toBeGreaterThanOrEqual(25);
  });

  describe('configuration: startup stops with CacheConfigError naming the variable', () => {
    it.each(CONFIG_CASES)('$variable=$value ($why)', async ({ variable, value, secret }) => {
      const error = await startupError({ CACHE_BACKEND: 'redis', [variable]: value });
      expect(error).toBeInstanceOf(CacheConfigError);
      const message = (error as CacheConfigError).message;
      expect(message).toContain(variable);
      expect((error as CacheConfigError).problems).toHaveLength(1);
      if (secret) {
        expect(message).not.toContain(value);
        expect(message).toContain('<hidden>');
      } else {
        expect(message).toContain(JSON.stringify(value));
      }
    });

    it('lists every malformed variable at once', async () => {
      const error = await startupError({
        CACHE_BACKEND: 'redis',
        REDIS_PORT: 'x',
        REDIS_DB: 'y',
        CACHE_MAX_VALUE_BYTES: '0',
      });
      expect((error as CacheConfigError).problems.map((p) => p.split('=')[0])).toEqual([
        'REDIS_PORT',
        'REDIS_DB',
        'CACHE_MAX_VALUE_BYTES',
      ]);
    });
  });

  describe('calls: a typed error, and nothing is written', () => {
    const logger = new CaptureLogger();
    let server: RedisTestServer;
    let fault: FaultApp;
    /** A second, plain connection that prepares and inspects what Redis holds. */
    let inspector: Redis;

    beforeAll(async () => {
      server = await RedisTestServer.start();
      fault = await startFaultApp(server.env(), logger);
      inspector = new Redis({ host: server.host, port: server.port, lazyConnect: true });
      await inspector.connect();
    });

    afterAll(async () => {
      await inspector?.quit();
      await fault?.app.close();
      await server?.stop();
    });

    it.each(CALL_CASES)('$name', async ({ call, error, code }) => {
      // Prepared state some cases act on; it must be all there is afterwards.
      await inspector.multi().flushall().set(':1:text', '"not a number"').set(':1:counter', '5').exec();
      const thrown = await call(fault.cache).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(thrown).toBeInstanceOf(error);
      if (code) expect((thrown as CacheValueError).code).toBe(code);
      expect((thrown as Error).message.length).toBeGreaterThan(10);
      expect(await inspector.dbsize()).toBe(2);
      expect(await inspector.mget(':1:counter', ':1:text')).toEqual(['5', '"not a number"']);
    });

    it('caller mistakes are not backend faults: no fault logged, breaker still closed', () => {
      expect(logger.cacheLines().filter((line) => line.level === 'error' || line.level === 'warn')).toEqual([]);
      expect(fault.guard.breakerState).toBe('closed');
      expect(fault.guard.counters.errors).toBe(0);
    });
  });
});
