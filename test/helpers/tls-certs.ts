import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** PEM files for a TLS test: a CA, a server certificate it signed for 127.0.0.1/localhost, and an unrelated CA. */
export interface TlsCerts {
  dir: string;
  caFile: string;
  serverCertFile: string;
  serverKeyFile: string;
  /** A CA that signed nothing here: trusting only it must fail the handshake. */
  otherCaFile: string;
  remove(): void;
}

/** Generates fresh certificates with openssl in a temporary directory (about 0.3 s with EC keys). */
export function generateTlsCerts(): TlsCerts {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
  } catch {
    throw new Error('openssl is not installed: install it with `sudo apt-get install openssl` (Debian/Ubuntu)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'ideagraph-tls-'));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

  openssl(
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    file('ca.key'),
    '-out',
    file('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=ideagraph-cache test CA',
  );
  openssl(
    'req',
    '-x509',
    ...ecKey,
    '-keyout',
    file('other-ca.key'),
    '-out',
    file('other-ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=unrelated CA',
  );
  openssl('req', ...ecKey, '-keyout', file('server.key'), '-out', file('server.csr'), '-subj', '/CN=localhost');
  // Node checks the address it dialled against the subjectAltName; the CN is not consulted.
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl(
    'x509',
    '-req',
    '-in',
    file('server.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-CAcreateserial',
    '-out',
    file('server.pem'),
    '-days',
    '2',
    '-extfile',
    file('server.ext'),
  );
  return {
    dir,
    caFile: file('ca.pem'),
    serverCertFile: file('server.pem'),
    serverKeyFile: file('server.key'),
    otherCaFile: file('other-ca.pem'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
