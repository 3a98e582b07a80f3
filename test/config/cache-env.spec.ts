import { CacheConfigError, parseCacheEnv, resolveCacheOptions, validateCacheEnv } from '../../src';
import { defaultCacheOptions } from '../../src/config/cache-defaults';
import { CACHE_SETTINGS } from '../../src/config/cache-settings';

const HEX_KEY = 'ab'.repeat(32);
const AUTHORITY_METADATA = JSON.stringify({
  token_endpoint: 'https://login.example.org/tenant-id/oauth2/v2.0/token',
  authorization_endpoint: 'https://login.example.org/tenant-id/oauth2/v2.0/authorize',
});

/**
 * A valid text for every variable, the value it must become, and any companion variable
 * a cross-field rule needs. A setting added to CACHE_SETTINGS without a row here fails below.
 */
const VALID: Record<string, { text: string; value: unknown; with?: Record<string, string> }> = {
  CACHE_BACKEND: { text: 'redis', value: 'redis' },
  REDIS_HOST: { text: 'cache.internal', value: 'cache.internal' },
  REDIS_PORT: { text: ' 6380 ', value: 6380 },
  REDIS_DB: { text: '3', value: 3 },
  REDIS_PASSWORD: { text: 's3cret', value: 's3cret' },
  REDIS_COMMAND_TIMEOUT_MS: { text: '150', value: 150 },
  REDIS_CONNECT_TIMEOUT_MS: { text: '2500', value: 2500 },
  CACHE_REDIS_REQUIRED: { text: 'true', value: true },
  REDIS_AUTO_PIPELINING: { text: 'off', value: false },
  REDIS_URL: { text: 'redis://:pw@example.org:6390/2', value: 'redis://:pw@example.org:6390/2' },
  REDIS_USERNAME: { text: 'app', value: 'app' },
  REDIS_TLS: { text: 'YES', value: true },
  REDIS_TLS_CA_FILE: { text: '/etc/ssl/ca.pem', value: '/etc/ssl/ca.pem', with: { REDIS_TLS: 'true' } },
  REDIS_TLS_REJECT_UNAUTHORIZED: { text: '0', value: false },
  REDIS_SENTINELS: {
    text: 'a:26379, b:26380',
    value: [
      { host: 'a', port: 26379 },
      { host: 'b', port: 26380 },
    ],
    with: { REDIS_SENTINEL_MASTER: 'mymaster' },
  },
  REDIS_SENTINEL_MASTER: { text: 'mymaster', value: 'mymaster', with: { REDIS_SENTINELS: 'a:26379' } },
  REDIS_CLUSTER_NODES: {
    text: '10.0.0.1:7000,[::1]:7001',
    value: [
      { host: '10.0.0.1', port: 7000 },
      { host: '::1', port: 7001 },
    ],
  },
  CACHE_DEFAULT_TIMEOUT: { text: '60', value: 60 },
  CACHE_KEY_PREFIX: { text: 'ideagraph', value: 'ideagraph' },
  CACHE_VERSION: { text: '-2', value: -2 },
  CACHE_MAX_ENTRIES: { text: '300', value: 300 },
  CACHE_MAX_VALUE_BYTES: { text: '2048', value: 2048 },
  CACHE_VALUE_FORMAT: { text: 'Django', value: 'django' },
  CACHE_RECOVERY_MAX_KEYS: { text: '500', value: 500 },
  CACHE_L1_MAX_ENTRIES: { text: '2000', value: 2000 },
  CACHE_L1_MAX_BYTES: { text: '33554432', value: 33554432 },
  CACHE_L1_TIMEOUT: { text: '15', value: 15 },
  CACHE_L1_INVALIDATION: { text: 'Tracking', value: 'tracking' },
  CACHE_L1_VALUES: { text: 'Frozen', value: 'frozen' },
  CACHE_GRACE: { text: '600', value: 600 },
  CACHE_FACTORY_SOFT_TIMEOUT_MS: { text: '150', value: 150 },
  CACHE_FACTORY_HARD_TIMEOUT_MS: { text: '5000', value: 5000 },
  CACHE_REFRESH_AHEAD: { text: '0.8', value: 0.8 },
  CACHE_FLEET_LOCK: { text: 'off', value: false },
  CACHE_FAIL_SAFE_THROTTLE: { text: '30', value: 30 },
  GRAPH_CLIENT_CERTIFICATE_FILE: { text: '/etc/ssl/graph-app.pem', value: '/etc/ssl/graph-app.pem' },
  GRAPH_TOKEN_ENCRYPTION_KEY_PREVIOUS: { text: HEX_KEY, value: Buffer.from(HEX_KEY, 'hex') },
  CACHE_MAX_BYTES: { text: '134217728', value: 134217728 },
  CACHE_HEALTH_CACHE_MS: { text: '0', value: 0 },
  CACHE_HEALTH_ENABLED: { text: 'off', value: false },
  CACHE_HEALTH_PATH: { text: ' /internal/cache-health/ ', value: 'internal/cache-health' },
  CACHE_HEALTH_DETAILS: { text: 'yes', value: true },
  CACHE_METRICS_ENABLED: { text: 'on', value: true },
  CACHE_METRICS_PATH: { text: 'internal/metrics', value: 'internal/metrics' },
  CACHE_OTEL_ENABLED: { text: 'true', value: true },
  CACHE_OTEL_KEYS: { text: 'yes', value: true },
  GRAPH_TENANT_ID: { text: 'tenant-id', value: 'tenant-id' },
  GRAPH_CLIENT_ID: { text: 'client-id', value: 'client-id' },
  GRAPH_CLIENT_SECRET: { text: 'client-secret', value: 'client-secret' },
  GRAPH_AUTHORITY_HOST: { text: 'https://login.example.org', value: 'https://login.example.org' },
  GRAPH_AUTHORITY_METADATA: { text: AUTHORITY_METADATA, value: AUTHORITY_METADATA },
  GRAPH_SCOPES: { text: 'a/.default, b/.default', value: ['a/.default', 'b/.default'] },
  GRAPH_TOKEN_CACHE_KEY: { text: 'token', value: 'token' },
  GRAPH_TOKEN_CACHE_DURATION: { text: '600', value: 600 },
  GRAPH_TOKEN_TIMEOUT_MS: { text: '3000', value: 3000 },
  GRAPH_TOKEN_ENCRYPTION_KEY: { text: HEX_KEY, value: Buffer.from(HEX_KEY, 'hex') },
};

function pathValue(options: object, path: string): unknown {
  return path.split('.').reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], options);
}

function configError(env: Record<string, unknown>): CacheConfigError {
  try {
    parseCacheEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(CacheConfigError);
    return error as CacheConfigError;
  }
  throw new Error(`expected a CacheConfigError for ${JSON.stringify(env)}`);
}

describe('configuration from the environment', () => {
  it('an empty environment gives the documented defaults', () => {
    const options = parseCacheEnv({});
    expect(options).toStrictEqual(defaultCacheOptions());
    expect(options).toMatchObject({
      backend: 'locmem',
      redis: { host: 'localhost', port: 6379, db: 0, password: undefined },
      defaultTimeout: 300,
      keyPrefix: '',
      version: 1,
      // The numbers docs/hybrid.md and docs/get-or-set.md give as defaults.
      l1: { maxEntries: 10_000, maxBytes: 67_108_864, timeoutSeconds: 60 },
      getOrSet: {
        grace: 0,
        failSafeThrottle: 10,
        softTimeoutMs: 0,
        hardTimeoutMs: 30_000,
        refreshAhead: 0,
        fleetLock: true,
      },
    });
    expect(options.maxEntries).toBeGreaterThan(0);
  });

  it('every setting of the table has a case here', () => {
    expect(CACHE_SETTINGS.map((rule) => rule.env).sort()).toEqual(Object.keys(VALID).sort());
  });

  it.each(CACHE_SETTINGS.map((rule) => [rule.env, rule.path] as const))('%s is read into %s', (env, path) => {
    const sample = VALID[env];
    const options = parseCacheEnv({ ...sample.with, [env]: sample.text });
    expect(pathValue(options, path)).toStrictEqual(sample.value);
  });

  it.each(CACHE_SETTINGS.filter((rule) => rule.kind.type === 'enum').map((rule) => [rule.env, rule.path] as const))(
    '%s takes its values in any case and keeps them in lower case',
    (env, path) => {
      const rule = CACHE_SETTINGS.find((setting) => setting.env === env)!;
      for (const value of (rule.kind as { values: readonly string[] }).values) {
        const mixed = value[0].toUpperCase() + value.slice(1);
        expect(pathValue(parseCacheEnv({ [env]: mixed }), path)).toBe(value);
        expect(pathValue(parseCacheEnv({ [env]: ` ${value.toUpperCase()} ` }), path)).toBe(value);
      }
    },
  );

  it('every word a boolean error lists is accepted, in any case', () => {
    const listed = /expected a boolean: (.*) \(any case\)/
      .exec(configError({ REDIS_TLS: 'maybe' }).message)![1]
      .split(', ');
    const read = (text: string) => parseCacheEnv({ REDIS_TLS: text }).redis.tls;
    for (const word of listed) {
      expect(typeof read(word)).toBe('boolean');
      expect(read(word.toUpperCase())).toBe(read(word));
    }
    expect(listed.map(read)).toEqual([true, false, true, false, true, false, true, false]);
  });

  it('reads through a getter function as ConfigService does, and accepts already-typed values', () => {
    const source: Record<string, unknown> = { REDIS_PORT: 6381, CACHE_REDIS_REQUIRED: false, CACHE_BACKEND: 'dummy' };
    const options = parseCacheEnv((name) => source[name]);
    expect(options.redis.port).toBe(6381);
    expect(options.redis.required).toBe(false);
    expect(options.backend).toBe('dummy');
  });

  it.each(CACHE_SETTINGS.filter((rule) => rule.emptyIsUnset).map((rule) => [rule.env, rule.path] as const))(
    'an empty %s counts as not set',
    (env, path) => {
      expect(pathValue(parseCacheEnv({ [env]: '' }), path)).toStrictEqual(pathValue(defaultCacheOptions(), path));
    },
  );

  it('a URL in a setting that is not secret never shows the credentials it carries', () => {
    const fromEnv = configError({ GRAPH_AUTHORITY_HOST: 'https://app:s3cret-pw@login.example.org' });
    expect(fromEnv.message).toContain('GRAPH_AUTHORITY_HOST="https://<hidden>@login.example.org"');
    expect(fromEnv.message).not.toContain('s3cret-pw');
    let fromCode: unknown;
    try {
      resolveCacheOptions({ graph: { authorityHost: 'https://app:s3cret-pw@login.example.org' } });
    } catch (error) {
      fromCode = error;
    }
    expect(fromCode).toBeInstanceOf(CacheConfigError);
    expect((fromCode as Error).message).not.toContain('s3cret-pw');
  });

  describe('a bad value is refused with the variable, the value and what is allowed', () => {
    it.each<[string, string, RegExp]>([
      ['CACHE_BACKEND', 'memcached', /one of redis, hybrid, locmem, dummy \(any case\)/],
      ['CACHE_BACKEND', '', /one of redis, hybrid, locmem, dummy/],
      ['CACHE_L1_TIMEOUT', '0', /integer from 1 to 86400/],
      ['CACHE_L1_INVALIDATION', 'pubsub', /one of auto, tracking, bus \(any case\)/],
      ['CACHE_L1_TIMEOUT', '86401', /integer from 1 to 86400/],
      ['CACHE_L1_MAX_ENTRIES', '0', /integer >= 1/],
      ['CACHE_L1_VALUES', 'shared', /one of copy, frozen/],
      ['CACHE_REFRESH_AHEAD', '1', /a number from 0 up to, not including, 1/],
      ['CACHE_REFRESH_AHEAD', '-0.5', /a number from 0 up to, not including, 1/],
      ['CACHE_REFRESH_AHEAD', '80%', /a number from 0 up to, not including, 1/],
      ['CACHE_FACTORY_HARD_TIMEOUT_MS', '0', /integer from 1 to 3600000/],
      ['REDIS_HOST', '  ', /a host name or IP address/],
      ['REDIS_HOST', 'cache internal', /a host name or IP address/],
      ['REDIS_PORT', 'abc', /integer from 1 to 65535/],
      ['CACHE_KEY_PREFIX', 'shop:1', /must not contain ":"/],
      ['CACHE_RECOVERY_MAX_KEYS', '0', /integer from 1 to 10000000/],
      ['REDIS_PORT', '0', /integer from 1 to 65535/],
      ['REDIS_PORT', '65536', /integer from 1 to 65535/],
      ['REDIS_PORT', '6379.5', /integer from 1 to 65535/],
      ['REDIS_PORT', '0x1F90', /integer from 1 to 65535/],
      ['REDIS_PORT', '', /integer from 1 to 65535/],
      ['REDIS_DB', '-1', /integer >= 0/],
      ['REDIS_DB', '99999999999999999999', /integer >= 0/],
      ['REDIS_COMMAND_TIMEOUT_MS', '0', /integer from 1 to 60000/],
      ['CACHE_REDIS_REQUIRED', 'maybe', /expected a boolean: true, false, 1, 0, yes, no, on, off \(any case\)$/],
      ['REDIS_TLS', 'y', /expected a boolean: true, false, 1, 0, yes, no, on, off \(any case\)$/],
      ['CACHE_DEFAULT_TIMEOUT', '0', /integer >= 1/],
      ['CACHE_DEFAULT_TIMEOUT', '1.5', /integer >= 1/],
      ['CACHE_DEFAULT_TIMEOUT', '1e3', /integer >= 1/],
      ['CACHE_VERSION', 'v1', /an integer/],
      ['CACHE_MAX_ENTRIES', '0', /integer >= 1/],
      ['CACHE_MAX_ENTRIES', 'lots', /integer >= 1/],
      ['CACHE_METRICS_PATH', '', /a route path/],
      ['CACHE_METRICS_PATH', '*', /a route path/],
      ['CACHE_METRICS_PATH', 'users/:id', /a route path/],
      ['CACHE_METRICS_PATH', 'metrics/(.*)', /a route path/],
      ['CACHE_HEALTH_ENABLED', 'sometimes', /expected a boolean: true, false, 1, 0, yes, no, on, off \(any case\)$/],
      ['CACHE_HEALTH_DETAILS', 'verbose', /expected a boolean: true, false, 1, 0, yes, no, on, off \(any case\)$/],
      ['CACHE_HEALTH_PATH', '', /a route path such as health\/cache/],
      ['CACHE_HEALTH_PATH', '/', /a route path/],
      ['CACHE_HEALTH_PATH', 'health/:check', /a route path/],
      ['CACHE_HEALTH_PATH', 'health/*', /a route path/],
      ['CACHE_HEALTH_PATH', 'health cache', /a route path/],
      ['CACHE_HEALTH_PATH', 'health//cache', /a route path/],
      ['CACHE_HEALTH_PATH', '../health', /a route path/],
      ['GRAPH_SCOPES', ' , ', /non-empty comma- or space-separated list/],
      ['REDIS_SENTINELS', 'sentinel-without-port', /host:port/],
      ['REDIS_CLUSTER_NODES', 'a:7000,b:99999', /host:port/],
      ['CACHE_VALUE_FORMAT', 'pickle', /one of json, django \(any case\)/],
    ])('%s=%p', (env, text, allowed) => {
      const error = configError({ [env]: text });
      expect(error.message).toContain(`${env}=${JSON.stringify(text)}`);
      expect(error.message).toMatch(allowed);
      expect(error.problems).toHaveLength(1);
    });

    it('a very long bad value is shortened in the message', () => {
      const error = configError({ CACHE_BACKEND: 'x'.repeat(500) });
      expect(error.message).toContain('CACHE_BACKEND=');
      expect(error.message.length).toBeLessThan(300);
    });

    it.each<[string, string]>([
      ['REDIS_URL', 'http://admin:hunter2-secret@redis.example.org:6379'],
      ['REDIS_URL', 'not a url hunter2-secret'],
      ['GRAPH_TOKEN_ENCRYPTION_KEY', 'hunter2-secret-too-short'],
    ])('a secret %s is shown as <hidden>, never echoed', (env, text) => {
      const error = configError({ [env]: text });
      expect(error.message).toContain(`${env}=<hidden>`);
      expect(error.message).not.toContain('hunter2');
      expect(JSON.stringify(error.problems)).not.toContain('hunter2');
    });

    it('a typed value of the wrong type is refused too', () => {
      const error = configError({ REDIS_PORT: true, CACHE_DEFAULT_TIMEOUT: 2.5 });
      expect(error.message).toContain('REDIS_PORT="true"');
      expect(error.message).toContain('CACHE_DEFAULT_TIMEOUT="2.5"');
    });

    it('one error lists every bad variable at once', () => {
      const error = configError({
        CACHE_BACKEND: 'memcached',
        REDIS_PORT: 'abc',
        CACHE_DEFAULT_TIMEOUT: '-5',
        REDIS_HOST: 'ok',
      });
      expect(error.problems).toHaveLength(3);
      expect(error.message).toMatch(
        /CACHE_BACKEND="memcached"[\s\S]*REDIS_PORT="abc"[\s\S]*CACHE_DEFAULT_TIMEOUT="-5"/,
      );
      expect(error.name).toBe('CacheConfigError');
    });
  });

  it.each(['GRAPH_TOKEN_ENCRYPTION_KEY', 'GRAPH_TOKEN_ENCRYPTION_KEY_PREVIOUS'])(
    'CACHE_VALUE_FORMAT=django refuses %s: Django reads the token entry unencrypted',
    (env) => {
      const error = configError({ CACHE_VALUE_FORMAT: 'django', [env]: HEX_KEY });
      expect(error.problems).toEqual([
        expect.stringMatching(new RegExp(`^${env} \\(graph\\.\\w+\\) cannot be used with CACHE_VALUE_FORMAT=django`)),
      ]);
      expect(error.message).not.toContain(HEX_KEY);
      expect(parseCacheEnv({ CACHE_VALUE_FORMAT: 'json', [env]: HEX_KEY }).valueFormat).toBe('json');
      expect(() =>
        resolveCacheOptions({ valueFormat: 'django', graph: { encryptionKey: Buffer.from(HEX_KEY, 'hex') } }),
      ).toThrow(/cannot be used with CACHE_VALUE_FORMAT=django/);
    },
  );

  it('validateCacheEnv returns the environment unchanged, or throws the same error', () => {
    const env = { CACHE_BACKEND: 'dummy', OTHER: 'kept' };
    expect(validateCacheEnv(env)).toBe(env);
    expect(() => validateCacheEnv({ REDIS_PORT: 'abc' })).toThrow(/REDIS_PORT="abc"/);
  });
});
