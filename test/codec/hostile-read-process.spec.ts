import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Redis from 'ioredis';
import { RedisTestServer } from '../helpers/redis-server';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(ROOT, 'test', 'helpers', 'ts-register.js');
const CHILD = join(__dirname, 'fixtures', 'hostile-read-child.ts');
const MB = 1024 * 1024;
/** Generous: the child transpiles the module graph on a cold cache, on a loaded machine. */
const CHILD_BOUND_MS = 240_000;

/** `unit` repeated to 3 MB inside one list: `]` MARK units APPENDS STOP. */
function threeMegabytesOf(unit: number[]): Buffer {
  const body = Buffer.alloc(3 * MB - ((3 * MB) % unit.length));
  for (let i = 0; i < body.length; i++) body[i] = unit[i % unit.length];
  return Buffer.concat([Buffer.from([0x80, 4, 0x5d, 0x28]), body, Buffer.from('e.')]);
}

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runChild(env: Record<string, string>, keys: string[]): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=768', '-r', REGISTER, CHILD], {
      cwd: ROOT,
      env: { ...process.env, HOSTILE_READ_ENV: JSON.stringify(env), HOSTILE_READ_KEYS: JSON.stringify(keys) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr = (stderr + String(chunk)).slice(-8000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_BOUND_MS);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * A value of 3 MB whose opcodes each build a container killed a process with a 768 MB heap
 * (heap out of memory, exit 134): the reader built every container before checking any
 * limit. With CACHE_MAX_VALUE_BYTES at 4 MiB, so the value is decoded and not refused for
 * its size, the process reads each as a miss and goes on.
 */
describe.each(['redis', 'hybrid'])(
  'a process with --max-old-space-size=768 reading 3 MB hostile values (%s backend)',
  (backend) => {
    let redis: RedisTestServer;

    beforeAll(async () => {
      redis = await RedisTestServer.start();
    });
    afterAll(async () => {
      await redis?.stop();
    });

    it(
      'survives, answers a miss for each, and still reads and writes',
      async () => {
        const raw = new Redis(redis.url);
        const shapes: Record<string, Buffer> = {
          'empty-sets': threeMegabytesOf([0x8f]),
          'empty-dicts': threeMegabytesOf([0x7d]),
          'memoized-lists': threeMegabytesOf([0x5d, 0x94]),
        };
        for (const [key, value] of Object.entries(shapes)) await raw.set(`app:1:${key}`, value);
        await raw.quit();
        const env = {
          ...redis.env(),
          CACHE_BACKEND: backend,
          CACHE_VALUE_FORMAT: 'django',
          CACHE_KEY_PREFIX: 'app',
          CACHE_MAX_VALUE_BYTES: String(4 * MB),
        };
        const result = await runChild(env, Object.keys(shapes));
        expect({ code: result.code, signal: result.signal, stderr: result.code === 0 ? '' : result.stderr }).toEqual({
          code: 0,
          signal: null,
          stderr: '',
        });
        const answers = JSON.parse(result.stdout.trim().split('\n').pop()!) as Record<
          string,
          { got: unknown; many: number; computed: string; ms: number }
        >;
        process.stdout.write(`\n${backend}: ${result.stdout}`);
        for (const key of Object.keys(shapes))
          expect(answers[key]).toMatchObject({ got: 'miss', many: 0, computed: 'computed' });
        expect(answers.after).toEqual({ ok: true });
      },
      CHILD_BOUND_MS + 30_000,
    );
  },
);
