import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** What msal-node's `auth.clientCertificate` takes for a certificate credential. */
export interface CertificateCredential {
  /** Hex SHA-256 thumbprint; msal-node then signs with PS256 and names it in x5t#S256. */
  thumbprintSha256: string;
  /** PKCS#8 PEM. */
  privateKey: string;
}

/** Why a certificate file is unusable. The reason never contains key material. */
export class CertificateFileError extends Error {
  override readonly name = 'CertificateFileError';
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PRIVATE_KEY_BLOCK = /-----BEGIN (RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END \1?PRIVATE KEY-----/;

/**
 * Reads a PEM file that holds the app's certificate and its private key, the form Azure
 * Identity's ClientCertificateCredential takes. The thumbprint is computed here rather
 * than configured, so it cannot disagree with the certificate.
 */
export function readCertificateFile(path: string): CertificateCredential {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new CertificateFileError(`cannot be read${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  const certificates = (pem.match(CERTIFICATE_BLOCK) ?? []).map(parseCertificate);
  if (certificates.length === 0)
    throw new CertificateFileError('holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(pem)) {
    throw new CertificateFileError(
      'holds an encrypted private key; store it unencrypted (openssl pkey -in key.pem -out plain.pem) or pass graph.msal.auth.clientCertificate in code',
    );
  }
  const keyBlock = PRIVATE_KEY_BLOCK.exec(pem);
  if (!keyBlock)
    throw new CertificateFileError('holds no private key: it needs the certificate and its private key, both PEM');
  const key = parsePrivateKey(keyBlock[0]);
  if (key.asymmetricKeyType !== 'rsa') {
    throw new CertificateFileError(
      `holds a ${key.asymmetricKeyType ?? 'non-RSA'} key; Entra ID takes RSA certificates only`,
    );
  }
  // A chain may follow the app's certificate; the one that matches the key is the app's.
  const own = certificates.find((certificate) => certificate.checkPrivateKey(key));
  if (!own) throw new CertificateFileError('holds a private key that belongs to none of its certificates');
  return {
    thumbprintSha256: own.fingerprint256.replace(/:/g, '').toLowerCase(),
    privateKey: key.export({ format: 'pem', type: 'pkcs8' }).toString(),
  };
}

function parseCertificate(block: string): X509Certificate {
  try {
    return new X509Certificate(block);
  } catch {
    throw new CertificateFileError('holds a certificate that cannot be parsed');
  }
}

function parsePrivateKey(block: string): KeyObject {
  try {
    return createPrivateKey(block);
  } catch {
    throw new CertificateFileError('holds a private key that cannot be parsed');
  }
}
