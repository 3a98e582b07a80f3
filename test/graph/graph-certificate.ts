import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** An app registration's certificate credential, as files an operator would deploy. */
export interface GraphCertificate {
  /** The certificate followed by its private key: what GRAPH_CLIENT_CERTIFICATE_FILE names. */
  pemFile: string;
  certificatePem: string;
  /** The base64 body of the private key, to prove it never shows up anywhere. */
  privateKeyBody: string;
  dir: string;
  remove(): void;
}

function openssl(...args: string[]): void {
  try {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') {
      throw new Error('openssl is not installed: install it with `sudo apt-get install openssl` (Debian/Ubuntu)');
    }
    throw error;
  }
}

/** A fresh self-signed RSA certificate (Entra ID takes RSA only) in a temporary directory. */
export function generateGraphCertificate(): GraphCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'ideagraph-graph-cert-'));
  const keyFile = join(dir, 'app.key');
  const certFile = join(dir, 'app.crt');
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    '/CN=ideagraph-cache test app',
  );
  const certificatePem = readFileSync(certFile, 'utf8');
  const keyPem = readFileSync(keyFile, 'utf8');
  const pemFile = join(dir, 'app.pem');
  writeFileSync(pemFile, `${certificatePem}${keyPem}`);
  const privateKeyBody = keyPem
    .split('\n')
    .filter((line) => line && !line.startsWith('-----'))
    .join('');
  return { pemFile, certificatePem, privateKeyBody, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
