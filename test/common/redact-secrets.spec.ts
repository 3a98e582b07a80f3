import { hideUrlUserInfo, hideUserInfo, redactSecrets } from '../../src/common/redact-secrets';

describe('redactSecrets', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redactSecrets('a s3cret b s3cret c t0ken', ['s3cret', 't0ken'])).toBe(
      'a <redacted> b <redacted> c <redacted>',
    );
  });

  it('leaves text without secrets, and ignores absent or too short ones', () => {
    expect(redactSecrets('connection refused', [undefined, '', 'ab'])).toBe('connection refused');
  });

  // Entra ID client secrets use characters such as ~ . _ - and often + / =.
  const secret = 'Ab1~x.Y_z-Q+r/s=t u!*';

  it('replaces the secret as encodeURIComponent writes it (a token request body)', () => {
    const body = `client_id=c&client_secret=${encodeURIComponent(secret)}&grant_type=client_credentials`;
    expect(encodeURIComponent(secret)).not.toBe(secret);
    expect(redactSecrets(body, [secret])).toBe('client_id=c&client_secret=<redacted>&grant_type=client_credentials');
  });

  it('replaces the form-encoded secret, with + for spaces (URLSearchParams)', () => {
    const body = new URLSearchParams({ client_secret: secret, scope: 'x' }).toString();
    expect(body).toContain('+u');
    expect(redactSecrets(body, [secret])).toBe('client_secret=<redacted>&scope=x');
    // encodeURIComponent with spaces turned into '+', as some clients write forms.
    const plusForm = encodeURIComponent(secret).replace(/%20/g, '+');
    expect(redactSecrets(`s=${plusForm}`, [secret])).toBe('s=<redacted>');
  });

  it('replaces percent-encoding with lower-case hex digits', () => {
    const lower = encodeURIComponent(secret).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
    expect(redactSecrets(`s=${lower}`, [secret])).toBe('s=<redacted>');
  });

  it('replaces the secret as it appears inside JSON text', () => {
    const tricky = 'pa"ss\\word-123';
    expect(redactSecrets(JSON.stringify({ secret: tricky }), [tricky])).toBe('{"secret":"<redacted>"}');
  });

  it('leaves ordinary text alone around an encoded secret', () => {
    expect(redactSecrets('a+b %2B c', ['zzz+yyy'])).toBe('a+b %2B c');
  });

  it('replaces percent-encoding with hex digits in mixed case', () => {
    const mixed = encodeURIComponent(secret).replace('%2B', '%2b').replace('%2F', '%2F').replace('%3D', '%3d');
    expect(mixed).toMatch(/%2b.*%2F.*%3d/);
    expect(redactSecrets(`client_secret=${mixed}&x=1`, [secret])).toBe('client_secret=<redacted>&x=1');
    const uneven = encodeURIComponent(secret).replace('%2F', '%2f').replace('%20', '%20');
    expect(redactSecrets(uneven, [secret])).toBe('<redacted>');
  });

  it('replaces the base64 and base64url forms, alone and inside HTTP Basic credentials at any offset', () => {
    expect(redactSecrets(Buffer.from(secret).toString('base64'), [secret])).not.toContain(
      Buffer.from(secret).toString('base64').slice(4, 20),
    );
    expect(redactSecrets(Buffer.from(secret).toString('base64url'), [secret])).toBe('<redacted>');
    for (const clientId of ['c', 'cl', 'cli', 'client-id']) {
      const basic = Buffer.from(`${clientId}:${secret}`).toString('base64');
      const line = redactSecrets(`Authorization: Basic ${basic}`, [secret]);
      expect(line).toContain('<redacted>');
      // What stays is the client id's own text, and at either end the few characters that also carry bits of the bytes around the secret.
      const left = line.slice('Authorization: Basic '.length).replace('<redacted>', '');
      expect(left.length).toBeLessThanOrEqual(Math.ceil(((clientId.length + 1) * 4) / 3) + 4);
    }
  });

  it('hideUserInfo hides everything up to the last @, whatever the user info holds', () => {
    expect(hideUserInfo('https://app:pa/ss"w@rd@login.example.org/x')).toBe('https://<hidden>@login.example.org/x');
    expect(hideUserInfo('https:app:secret@login.example.org')).toBe('<hidden>@login.example.org');
    expect(hideUserInfo('https://login.example.org')).toBe('https://login.example.org');
  });

  it('hideUrlUserInfo hides the user info of URLs in a log line and leaves other @ alone', () => {
    expect(hideUrlUserInfo('getaddrinfo ENOTFOUND redis://:p%40ss/w@cache.internal and more')).toBe(
      'getaddrinfo ENOTFOUND redis://<hidden>@cache.internal and more',
    );
    expect(hideUrlUserInfo('ERR script failed @user_script:1')).toBe('ERR script failed @user_script:1');
  });
});
