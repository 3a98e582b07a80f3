import { CacheConfigError, resolveCacheOptions } from '../../src/index';
import { defaultCacheOptions } from '../../src/config/cache-defaults';
import { CACHE_SETTINGS } from '../../src/config/cache-settings';
import type { IdeaGraphCacheModuleOptions } from '../../src/index';

function problemsOf(options: unknown): string {
  try {
    resolveCacheOptions(options as IdeaGraphCacheModuleOptions);
  } catch (error) {
    expect(error).toBeInstanceOf(CacheConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a CacheConfigError');
}

function setAt(path: string, value: unknown): object {
  return path.split('.').reduceRight<unknown>((inner, part) => ({ [part]: inner }), value) as object;
}

describe('static options (forRoot / useFactory)', () => {
  it('no options give the documented defaults', () => {
    expect(resolveCacheOptions()).toStrictEqual({
      ...defaultCacheOptions(),
      graph: { ...defaultCacheOptions().graph, msal: undefined },
    });
  });

  it('the health endpoint is mounted at health/cache by default, without connection details', () => {
    expect(resolveCacheOptions().health).toStrictEqual({ enabled: true, path: 'health/cache', details: false });
    expect(resolveCacheOptions({ health: { path: '/internal/health/' } }).health).toStrictEqual({
      enabled: true,
      path: 'internal/health',
      details: false,
    });
  });

  it('a partial option keeps every other default, at every depth', () => {
    const options = resolveCacheOptions({ backend: 'redis', redis: { port: 6390 }, graph: { scopes: ['x/.default'] } });
    expect(options.backend).toBe('redis');
    expect(options.redis).toMatchObject({ host: 'localhost', port: 6390, db: 0, commandTimeoutMs: 200 });
    expect(options.graph.scopes).toEqual(['x/.default']);
    expect(options.graph.cacheKey).toBe('graph_token_cache');
  });

  it('does not share the defaults between calls', () => {
    const first = resolveCacheOptions();
    first.graph.scopes.push('changed');
    first.redis.port = 1;
    expect(resolveCacheOptions().graph.scopes).toEqual(['https://graph.microsoft.com/.default']);
    expect(resolveCacheOptions().redis.port).toBe(6379);
  });

  it('passes the msal overrides through as given', () => {
    const msal = { system: { loggerOptions: { piiLoggingEnabled: false } } };
    expect(resolveCacheOptions({ graph: { msal } }).graph.msal).toBe(msal);
  });

  it.each(CACHE_SETTINGS.filter((rule) => rule.kind.type === 'enum').map((rule) => [rule.path, rule] as const))(
    '%s takes its values in any case and keeps them in lower case',
    (path, rule) => {
      for (const value of (rule.kind as { values: readonly string[] }).values) {
        const options = resolveCacheOptions(setAt(path, value.toUpperCase()));
        expect(path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], options)).toBe(
          value,
        );
      }
    },
  );

  it.each<[string, unknown, RegExp]>([
    [
      'backend',
      { backend: 'memcached' },
      /backend \(CACHE_BACKEND\)="memcached" is invalid: expected one of redis, hybrid, locmem, dummy/,
    ],
    [
      'redis.port out of range',
      { redis: { port: 70000 } },
      /redis\.port \(REDIS_PORT\)=70000 is invalid: expected an integer from 1 to 65535/,
    ],
    ['redis.port as text', { redis: { port: '6379' } }, /redis\.port \(REDIS_PORT\)="6379"/],
    ['redis.db negative', { redis: { db: -1 } }, /redis\.db \(REDIS_DB\)=-1/],
    ['defaultTimeout zero', { defaultTimeout: 0 }, /defaultTimeout \(CACHE_DEFAULT_TIMEOUT\)=0/],
    ['version fractional', { version: 1.5 }, /version \(CACHE_VERSION\)=1.5/],
    ['maxEntries zero', { maxEntries: 0 }, /maxEntries \(CACHE_MAX_ENTRIES\)=0/],
    [
      'redis.required as text',
      { redis: { required: 'yes' } },
      /redis\.required \(CACHE_REDIS_REQUIRED\)="yes" is invalid: expected true or false/,
    ],
    ['keyPrefix as number', { keyPrefix: 5 }, /keyPrefix \(CACHE_KEY_PREFIX\)=5 is invalid: expected a string/],
    [
      'health.enabled as text',
      { health: { enabled: 'no' } },
      /health\.enabled \(CACHE_HEALTH_ENABLED\)="no" is invalid: expected true or false/,
    ],
    [
      'health.details as number',
      { health: { details: 1 } },
      /health\.details \(CACHE_HEALTH_DETAILS\)=1 is invalid: expected true or false/,
    ],
    [
      'health.path as number',
      { health: { path: 42 } },
      /health\.path \(CACHE_HEALTH_PATH\)=42 is invalid: expected a route path/,
    ],
    [
      'health.path with a parameter',
      { health: { path: 'health/:id' } },
      /health\.path \(CACHE_HEALTH_PATH\)="health\/:id" is invalid/,
    ],
  ])('%s is refused, naming the option and its variable', (_name, options, message) => {
    expect(problemsOf(options)).toMatch(message);
  });

  it('a secret option is shown as <hidden>', () => {
    const message = problemsOf({ redis: { password: 12345678 }, graph: { clientSecret: { value: 'hunter2-secret' } } });
    expect(message).toContain('redis.password (REDIS_PASSWORD)=<hidden>');
    expect(message).toContain('graph.clientSecret (GRAPH_CLIENT_SECRET)=<hidden>');
    expect(message).not.toContain('12345678');
    expect(message).not.toContain('hunter2');
  });

  it('lists every bad option in one error', () => {
    const message = problemsOf({ backend: 'x', redis: { port: 0 }, defaultTimeout: -1 });
    expect(message.match(/ is invalid/g)).toHaveLength(3);
  });
});
