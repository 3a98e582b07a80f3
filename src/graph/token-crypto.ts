import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
/** Marks the format, so a later format can be told apart and an unknown one counts as a miss. */
const FORMAT = 'aes256gcm.v1';
/** 12 bytes is the IV length GCM is specified for (NIST SP 800-38D); a fresh one per entry. */
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** The entry could not be decrypted: wrong key, tampered with, or not an entry of ours. */
export class TokenDecryptError extends Error {
  override readonly name = 'TokenDecryptError';
}

/**
 * AES-256-GCM: `aes256gcm.v1.<iv>.<tag>.<ciphertext>`, base64url. `context` (the cache
 * key) is authenticated too, so an entry copied under another key does not decrypt.
 */
export function encryptText(plain: string, key: Buffer, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [FORMAT, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function isEncryptedText(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(`${FORMAT}.`);
}

/** Throws TokenDecryptError unless `sealed` was written by encryptText with this key and context. */
export function decryptText(sealed: string, key: Buffer, context: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 5 || `${parts[0]}.${parts[1]}` !== FORMAT)
    throw new TokenDecryptError('not an encrypted token entry');
  const [iv, tag, ciphertext] = parts.slice(2).map((part) => Buffer.from(part, 'base64url'));
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES)
    throw new TokenDecryptError('malformed encrypted token entry');
  try {
    const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    throw new TokenDecryptError('authentication failed: the entry was changed or written with another key');
  }
}
