import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { RedisProcess } from './redis-process';
import type { TlsCerts } from './tls-certs';

export interface TlsRedisServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * A redis-server that speaks TLS only (plain port closed) and accepts only one ACL user:
 * the default user is switched off, so a connection without the right user and password
 * cannot run any command.
 */
export async function startTlsRedis(
  certs: TlsCerts,
  user: { name: string; password: string },
): Promise<TlsRedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'ideagraph-redis-tls-'));
  const server = await RedisProcess.start(port, [
    '--port',
    '0',
    '--tls-port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--loglevel',
    'warning',
    '--tls-cert-file',
    certs.serverCertFile,
    '--tls-key-file',
    certs.serverKeyFile,
    '--tls-ca-cert-file',
    certs.caFile,
    // Clients prove nothing with a certificate; they authenticate with the ACL user.
    '--tls-auth-clients',
    'no',
    '--user',
    'default',
    'off',
    '--user',
    user.name,
    'on',
    `>${user.password}`,
    '~*',
    '&*',
    '+@all',
  ]);
  return {
    port,
    stop: async () => {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
