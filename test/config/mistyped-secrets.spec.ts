import { CacheConfigError, parseCacheEnv, resolveCacheOptions } from '../../src';
import { createCacheApp } from '../helpers/test-app';

/** The startup error of `run`, as a host app would print it. */
function configError(run: () => unknown): CacheConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CacheConfigError);
    return error as CacheConfigError;
  }
  throw new Error('expected a CacheConfigError');
}

const PASSWORD = 'Pa55/word"@x y';
const ENCODED = encodeURIComponent(PASSWORD);

/** Every way the password could appear in the message. */
function expectNoPassword(text: string): void {
  for (const form of [PASSWORD, ENCODED, ENCODED.toLowerCase(), 'Pa55', 'word"', 'word%'])
    expect(text).not.toContain(form);
}

describe('settings mistyped with a secret in them: the error says what is wrong, and never shows the secret', () => {
  it.each([
    ['a redis:// URL with a password', `redis://:${ENCODED}@cache.internal:6379`],
    ['a rediss:// URL with user and password', `rediss://app:${ENCODED}@cache.internal`],
    ['user:password@host without a scheme', `app:${PASSWORD}@cache.internal`],
  ])('REDIS_HOST with %s is refused, pointing to REDIS_URL', (_name, host) => {
    const error = configError(() => parseCacheEnv({ CACHE_BACKEND: 'redis', REDIS_HOST: host }));
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^REDIS_HOST=<hidden> is invalid: expected a host name or IP address, not a URL/);
    expect(error.problems[0]).toContain('REDIS_URL');
    expectNoPassword(error.message);
  });

  it('redis.host given in code is refused the same way', () => {
    const error = configError(() =>
      resolveCacheOptions({ backend: 'redis', redis: { host: `redis://:${ENCODED}@cache.internal` } }),
    );
    expect(error.problems[0]).toMatch(/^redis\.host \(REDIS_HOST\)=<hidden> is invalid/);
    expectNoPassword(error.message);
  });

  it('the app does not start, and its error has no password', async () => {
    const started = createCacheApp({ CACHE_BACKEND: 'redis', REDIS_HOST: `redis://:${ENCODED}@127.0.0.1:1` });
    const error = await started.then(
      async (app) => {
        await app.close();
        return new Error('started');
      },
      (refused: unknown) => refused as Error,
    );
    expect(error).toBeInstanceOf(CacheConfigError);
    expectNoPassword(`${error.message}\n${error.stack ?? ''}`);
  });

  it.each(['cache.internal', '10.0.0.5', '::1', '[fe80::1%eth0]', 'redis_1'])('REDIS_HOST=%p is taken', (host) => {
    expect(parseCacheEnv({ CACHE_BACKEND: 'redis', REDIS_HOST: host }).redis.host).toBe(host);
  });

  it.each([
    ['a password with "/"', `https://app:${PASSWORD}@login.microsoftonline.com`],
    ['an encoded password', `https://app:${ENCODED}@login.microsoftonline.com`],
    ['user info without //', `https:app:${PASSWORD}@login.microsoftonline.com`],
  ])('GRAPH_AUTHORITY_HOST with %s: refused, user info hidden', (_name, host) => {
    const error = configError(() => parseCacheEnv({ GRAPH_AUTHORITY_HOST: host }));
    expect(error.problems[0]).toMatch(/^GRAPH_AUTHORITY_HOST=".*<hidden>@login\.microsoftonline\.com" is invalid/);
    expectNoPassword(error.message);
    const fromCode = configError(() => resolveCacheOptions({ graph: { authorityHost: host } }));
    expectNoPassword(fromCode.message);
  });

  it('CACHE_KEY_PREFIX with ":" is refused with the value escaped, shortened and without user info', () => {
    const error = configError(() => parseCacheEnv({ CACHE_KEY_PREFIX: `redis://:${PASSWORD}@cache.internal` }));
    expect(error.problems[0]).toMatch(
      /^CACHE_KEY_PREFIX="redis:\/\/<hidden>@.*\(keyPrefix\) is invalid: it must not contain ":"/,
    );
    expectNoPassword(error.message);
    const injected = configError(() =>
      parseCacheEnv({ CACHE_KEY_PREFIX: `shop:1\n2026-12-07 ERROR forged line ${'x'.repeat(300)}` }),
    );
    expect(injected.problems[0]).not.toContain('\n');
    expect(injected.problems[0]).toContain('shop:1\\u000a2026');
    expect(injected.problems[0].length).toBeLessThan(250);
  });
});
