import { redactSecrets } from '../../src/common/redact-secrets';

describe('redactSecrets', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redactSecrets('a s3cret b s3cret c t0ken', ['s3cret', 't0ken'])).toBe('a <redacted> b <redacted> c <redacted>');
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
});
