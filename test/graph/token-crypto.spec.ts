import { randomBytes } from 'node:crypto';
import { decryptText, encryptText, isEncryptedText, TokenDecryptError } from '../../src/graph/token-crypto';

describe('token encryption at rest (AES-256-GCM)', () => {
  const key = randomBytes(32);
  const plain = JSON.stringify({
    accessToken: 'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.secret-part',
    expiresOn: '2030-01-01T00:00:00.000Z',
  });

  it('round-trips, with a fresh IV every time, and hides the plaintext', () => {
    const a = encryptText(plain, key, 'graph_token_cache');
    const b = encryptText(plain, key, 'graph_token_cache');
    expect(a).not.toBe(b);
    expect(isEncryptedText(a)).toBe(true);
    expect(a).not.toContain('secret-part');
    expect(Buffer.from(a.split('.').pop()!, 'base64url').toString('utf8')).not.toContain('secret-part');
    expect(decryptText(a, key, 'graph_token_cache')).toBe(plain);
    expect(decryptText(b, key, 'graph_token_cache')).toBe(plain);
  });

  it('refuses a changed ciphertext, IV or tag', () => {
    const sealed = encryptText(plain, key, 'graph_token_cache');
    const parts = sealed.split('.');
    for (const index of [2, 3, 4]) {
      const bytes = Buffer.from(parts[index], 'base64url');
      bytes[0] ^= 0x01;
      const changed = [...parts.slice(0, index), bytes.toString('base64url'), ...parts.slice(index + 1)].join('.');
      expect(() => decryptText(changed, key, 'graph_token_cache')).toThrow(TokenDecryptError);
    }
  });

  it('refuses another key or another cache key', () => {
    const sealed = encryptText(plain, key, 'graph_token_cache');
    expect(() => decryptText(sealed, randomBytes(32), 'graph_token_cache')).toThrow(TokenDecryptError);
    expect(() => decryptText(sealed, key, 'other_key')).toThrow(/authentication failed/);
  });

  it('refuses text that is not an entry of this format', () => {
    expect(isEncryptedText('{"accessToken":"x"}')).toBe(false);
    expect(() => decryptText('aes256gcm.v1.only-three', key, 'k')).toThrow(TokenDecryptError);
    expect(() => decryptText('aes256gcm.v1.AAAA.BBBB.CCCC', key, 'k')).toThrow(/malformed/);
  });
});
