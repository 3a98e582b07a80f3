import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { RedisTestServer } from '../helpers/redis-server';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'test', 'helpers', 'ts-register.js');

/**
 * Boots the real demo app, proves it reaches its backend, calls app.close() and then does
 * nothing: the process must end on its own, which it only does when no socket or timer is
 * left. A watchdog (unref'd, so it keeps nothing alive) reports what is still open.
 */
const CHILD = `
require('reflect-metadata');
const { NestFactory } = require('@nestjs/core');
const { AppModule } = require('./src/demo/app.module.ts');
const { CacheManagerService } = require('./src/index.ts');
(async () => {
  const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
  await app.listen(0, '127.0.0.1');
  const cache = app.get(CacheManagerService);
  await cache.set('shutdown-probe', 'reached');
  console.log('READY ' + (await cache.get('shutdown-probe', 'missed')));
  await app.close();
  console.log('CLOSED');
  setTimeout(() => {
    const open = process._getActiveHandles().map((handle) => handle.constructor.name);
    console.log('STILL OPEN ' + JSON.stringify(open));
    process.exit(3);
  }, 8000).unref();
})().catch((error) => {
  console.error('FAILED ' + (error && error.message));
  process.exit(2);
});
`;

interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From the CLOSED line to the exit event. */
  exitAfterCloseMs: number | undefined;
}

/**
 * The whole run of a child, boot included: three children transpile and boot at once, which
 * took over 40 s on a 2-core machine with other suites running. Only a hang reaches this.
 */
function runChild(env: Record<string, string>, limitMs = 100_000): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', REGISTER, '-e', CHILD], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let closedAt: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (closedAt === undefined && stdout.includes('CLOSED')) closedAt = Date.now();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child did not finish within ${limitMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, limitMs);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr, exitAfterCloseMs: closedAt === undefined ? undefined : Date.now() - closedAt });
    });
  });
}

describe('process-level shutdown', () => {
  let server: RedisTestServer;
  let clientsBefore: number;
  // The three children start together: each takes seconds to transpile and boot.
  let runs: { redis: ChildRun; locmem: ChildRun; badSetting: ChildRun };
  const clients = () =>
    server
      .cli('CLIENT', 'LIST')
      .split('\n')
      .filter((line) => !line.includes('cmd=client')).length;

  beforeAll(async () => {
    server = await RedisTestServer.start({ password: 'shutdown-secret' });
    clientsBefore = clients();
    const [redis, locmem, badSetting] = await Promise.all([
      runChild({ ...server.env() }),
      runChild({ CACHE_BACKEND: 'locmem' }),
      runChild({ CACHE_BACKEND: 'memcached', REDIS_PORT: '70000', REDIS_PASSWORD: 'never-shown-secret' }),
    ]);
    runs = { redis, locmem, badSetting };
  }, 150_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('an app on Redis exits by itself after app.close(): the Redis client is closed', () => {
    const run = runs.redis;
    expect(run.stdout).toContain('READY reached');
    expect(run.stdout).toContain('CLOSED');
    expect(run.stdout).not.toContain('STILL OPEN');
    expect(run.code).toBe(0);
    // Nothing is left to wait for; the bound only absorbs scheduling noise on a shared machine.
    expect(run.exitAfterCloseMs).toBeLessThan(5000);
    expect(run.stderr).not.toContain('shutdown-secret');
    expect(clients()).toBe(clientsBefore);
    console.log(`redis app: process exited ${run.exitAfterCloseMs} ms after app.close() resolved`);
  });

  it('an app on locmem exits by itself after app.close()', () => {
    const run = runs.locmem;
    expect(run.stdout).toContain('READY reached');
    expect(run.stdout).not.toContain('STILL OPEN');
    expect(run.code).toBe(0);
    expect(run.exitAfterCloseMs).toBeLessThan(5000);
  });

  it('a bad setting stops startup with a message naming the variable, and the process ends', () => {
    const run = runs.badSetting;
    expect(run.code).not.toBe(0);
    expect(run.stdout).not.toContain('READY');
    const output = run.stdout + run.stderr;
    expect(output).toContain('CACHE_BACKEND="memcached"');
    expect(output).toContain('REDIS_PORT="70000"');
    expect(output).not.toContain('never-shown-secret');
  });
});
