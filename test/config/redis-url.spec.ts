import { CacheConfigError, parseCacheEnv, resolveCacheOptions } from '../../src';
import { resolveRedisTopology } from '../../src/stores/redis-topology';

const FORM = 'expected redis[s]://[user:password@]host[:port][/db]';

function messageFor(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CacheConfigError);
    return (error as CacheConfigError).message;
  }
  throw new Error('expected a CacheConfigError');
}

/** Every 4-character piece of the secret: a message must not hold even part of it. */
function expectNoPartOf(secret: string, message: string): void {
  for (let i = 0; i + 4 <= secret.length; i++) expect(message).not.toContain(secret.slice(i, i + 4));
}

describe('a bad REDIS_URL says what is wrong, never showing the credentials', () => {
  // [url, the credential text it holds, the reason the message must give]
  it.each<[string, string, string]>([
    ['redis://u:Zq9xKw7Lm@host:notaport/0', 'Zq9xKw7Lm', 'the port must be a number from 1 to 65535'],
    ['redis://:Zq9xKw7Lm@host:0', 'Zq9xKw7Lm', 'the port must be a number from 1 to 65535'],
    ['redis://:Zq9xKw7Lm@host:65536/1', 'Zq9xKw7Lm', 'the port must be a number from 1 to 65535'],
    [
      'redis://:Zq9x/Kw7Lm@host:6379/0',
      'Zq9x/Kw7Lm',
      "the password contains '/' which must be percent-encoded (encodeURIComponent)",
    ],
    [
      'redis://u:Zq9x?Kw#7Lm@host',
      'Zq9x?Kw#7Lm',
      "the password contains '?', '#' which must be percent-encoded (encodeURIComponent)",
    ],
    [
      'redis://:Zq9x%Kw7Lm@host',
      'Zq9x%Kw7Lm',
      "the password contains '%' which must be percent-encoded (encodeURIComponent)",
    ],
    [
      'redis://:Zq9x%ffKw7/Lm@host',
      'Zq9x%ffKw7/Lm',
      "the password contains '/', '%' which must be percent-encoded (encodeURIComponent)",
    ],
    [
      'redis://Zq9x/Kw7L:m9Tr2Vb@host',
      'Zq9x/Kw7L:m9Tr2Vb',
      "the user name contains '/' which must be percent-encoded (encodeURIComponent)",
    ],
    [
      'redis://Zq9x/Kw:m9T#r2Vb@host',
      'Zq9x/Kw:m9T#r2Vb',
      "the user name contains '/' which must be percent-encoded (encodeURIComponent); the password contains '#' which must be percent-encoded (encodeURIComponent)",
    ],
    ['http://:Zq9xKw7Lm@host:6379', 'Zq9xKw7Lm', 'it must start with redis:// or rediss://'],
    ['Zq9xKw7Lm@host:6379', 'Zq9xKw7Lm', 'it must start with redis:// or rediss://'],
    ['redis:Zq9xKw7Lm@host', 'Zq9xKw7Lm', 'it must start with redis:// or rediss://'],
    ['redis://:Zq9xKw7Lm@host/cache', 'Zq9xKw7Lm', 'the path must be a database number, as in /0'],
    ['redis://:Zq9xKw7Lm@host:6379/-1', 'Zq9xKw7Lm', 'the path must be a database number, as in /0'],
    ['redis://:Zq9xKw7Lm@:6379/0', 'Zq9xKw7Lm', 'the host is missing'],
    ['redis://:Zq9xKw7Lm@', 'Zq9xKw7Lm', 'the host is missing'],
    ['redis://:Zq9xKw7Lm@ho st:6379', 'Zq9xKw7Lm', 'it is not a valid URL'],
  ])('%s', (url, secret, reason) => {
    const fromEnv = messageFor(() => parseCacheEnv({ REDIS_URL: url }));
    expect(fromEnv).toContain(`REDIS_URL=<hidden> is invalid: ${reason}; ${FORM}`);
    expectNoPartOf(secret, fromEnv);

    const fromOptions = messageFor(() => resolveCacheOptions({ redis: { url } }));
    expect(fromOptions).toContain(`redis.url (REDIS_URL)=<hidden> is invalid: ${reason}; ${FORM}`);
    expectNoPartOf(secret, fromOptions);
  });

  it('gives one reason per URL, not a second cross-check on top', () => {
    const error = messageFor(() => parseCacheEnv({ REDIS_URL: 'redis://:Zq9xKw7Lm@host/cache' }));
    expect(error.match(/REDIS_URL/g)).toHaveLength(1);
  });
});

describe('a REDIS_URL the connection reads correctly is accepted', () => {
  // WHATWG URL, which the connection uses, reads these unencoded, so refusing them would break working setups.
  it.each<[string, string]>([
    ['redis://:Zq+9=x:K@w@host:6380/1', 'Zq+9=x:K@w'],
    [`redis://:${encodeURIComponent('Zq9x/Kw?#%7+L=m@')}@host`, 'Zq9x/Kw?#%7+L=m@'],
    ['rediss://alice:s%40cret@[::1]:6379/2', 's@cret'],
    ['REDIS://:pw@host:', 'pw'],
  ])('%s', (url, password) => {
    const options = parseCacheEnv({ REDIS_URL: url });
    expect(options.redis.url).toBe(url);
    expect(resolveRedisTopology(options.redis).password).toBe(password);
  });

  it('a forRoot URL with surrounding spaces, which forRoot does not trim, is accepted as before', () => {
    expect(resolveCacheOptions({ redis: { url: ' redis://:pw@host:6380/1 ' } }).redis.url).toBe(
      ' redis://:pw@host:6380/1 ',
    );
  });
});
