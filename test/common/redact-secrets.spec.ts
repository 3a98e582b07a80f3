import { redactSecrets } from '../../src/common/redact-secrets';

describe('redactSecrets', () => {
  it('replaces every occurrence of every secret', () => {
    expect(redactSecrets('a s3cret b s3cret c t0ken', ['s3cret', 't0ken'])).toBe('a <redacted> b <redacted> c <redacted>');
  });

  it('leaves text without secrets, and ignores absent or too short ones', () => {
    expect(redactSecrets('connection refused', [undefined, '', 'ab'])).toBe('connection refused');
  });
});
