import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../helpers/free-port';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'test', 'helpers', 'ts-register.js');

interface Run {
  code: number | null;
  output: string;
}

/** Runs the demo app's own entry point (src/main.ts), as `npm start` does, and waits for it to end. */
function runMain(env: Record<string, string>, limitMs = 60_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', REGISTER, 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the app did not end within ${limitMs} ms:\n${output}`));
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, output });
    });
  });
}

describe('CACHE_REDIS_REQUIRED=true with no Redis', () => {
  it("fails startup through Nest's logger with a typed error, not as a raw uncaught error", async () => {
    const port = await freePort();
    const run = await runMain({
      CACHE_BACKEND: 'redis',
      REDIS_HOST: '127.0.0.1',
      REDIS_PORT: String(port),
      CACHE_REDIS_REQUIRED: 'true',
      PORT: '0',
    });
    expect(run.code).toBe(1);
    const message = `CACHE_REDIS_REQUIRED=true but Redis at 127.0.0.1:${port} did not answer within 10 s (connection refused)`;
    // Nest's ExceptionHandler line: "[Nest] <pid> - <time> ERROR [ExceptionHandler] <name>: <message>".
    expect(run.output).toMatch(
      new RegExp(
        `ERROR \\[ExceptionHandler\\] CacheRedisUnavailableError: ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
      ),
    );
    // Node's report of an uncaught error: the source line with a caret under it, and the Node version.
    expect(run.output).not.toMatch(/^\s*\^+\s*$/m);
    expect(run.output).not.toMatch(/^Node\.js v\d+/m);
    expect(run.output).not.toContain('listening on');
  }, 90_000);
});
