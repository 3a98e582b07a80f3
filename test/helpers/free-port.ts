import { createServer } from 'node:net';

/*
 * Ports come from below the ephemeral range (Linux starts it at 32768, macOS at 49152),
 * so an outgoing connection never takes a port between this pick and the server's bind.
 * Each Jest worker draws from its own slice, and a process never hands out a port twice.
 */
const LOWEST = 20_000;
const HIGHEST = 32_767;
const SLICES = 4;
const handedOut = new Set<number>();

function slice(): { from: number; size: number } {
  const worker = Number(process.env.JEST_WORKER_ID ?? '1');
  const size = Math.floor((HIGHEST - LOWEST + 1) / SLICES);
  const index = Number.isInteger(worker) && worker > 0 ? (worker - 1) % SLICES : 0;
  return { from: LOWEST + index * size, size };
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function anyPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A TCP port on 127.0.0.1 that nothing listens on right now and this process has not handed out. */
export async function freePort(): Promise<number> {
  const { from, size } = slice();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = from + Math.floor(Math.random() * size);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  return anyPort();
}
