import { runInThisContext } from 'node:vm';
afterAll(async () => {
  await new Promise((r) => setTimeout(r, 1500));
  const real = runInThisContext('process') as NodeJS.Process & { _getActiveHandles(): unknown[] };
  const handles = real._getActiveHandles().map((h) => {
    const o = h as { constructor?: { name?: string }; remotePort?: number; localPort?: number; _idleTimeout?: number; pid?: number; fd?: number };
    return `${o.constructor?.name}${o.remotePort ? ` remote:${o.remotePort}` : ''}${o.localPort ? ` local:${o.localPort}` : ''}${o.pid ? ` pid:${o.pid}` : ''}${o.fd !== undefined ? ` fd:${o.fd}` : ''}`;
  });
  real.stderr.write(`HANDLES ${expect.getState().testPath}: ${handles.join(', ')}\n`);
}, 10000);
