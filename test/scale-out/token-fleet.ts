import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
// The graph suite's worker: boots the module from WORKER_ENV, prints "ready", asks for one token on "go".
const WORKER = join(ROOT, 'test', 'graph', 'fixtures', 'token-worker.ts');
const REGISTER = join(ROOT, 'test', 'helpers', 'ts-register.js');

export interface TokenWorkerResult {
  ok: boolean;
  token?: string;
  source?: string;
  error?: string;
  ms: number;
}

/**
 * Starts `size` app processes, waits until all are ready, releases them at once and
 * returns what each one got. Every process is gone when this resolves or rejects.
 */
export async function runTokenFleet(
  size: number,
  env: Record<string, string>,
  msal: object,
  timeoutMs = 60_000,
): Promise<TokenWorkerResult[]> {
  const children: ChildProcess[] = [];
  try {
    const workers = Array.from({ length: size }, () => {
      const child = spawn(process.execPath, ['-r', REGISTER, WORKER], {
        cwd: ROOT,
        env: { ...process.env, WORKER_ENV: JSON.stringify(env), WORKER_MSAL: JSON.stringify(msal) },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      children.push(child);
      return watch(child, timeoutMs);
    });
    await Promise.all(workers.map((worker) => worker.ready));
    for (const child of children) child.stdin!.write('go\n');
    return await Promise.all(workers.map((worker) => worker.result));
  } finally {
    await Promise.all(children.map(killed));
  }
}

function watch(child: ChildProcess, timeoutMs: number): { ready: Promise<void>; result: Promise<TokenWorkerResult> } {
  let stdout = '';
  let stderr = '';
  let markReady: () => void = () => undefined;
  let settle: (result: TokenWorkerResult) => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = resolve;
    fail = reject;
  });
  const result = new Promise<TokenWorkerResult>((resolve, reject) => {
    settle = resolve;
    const previousFail = fail;
    fail = (error) => {
      previousFail(error);
      reject(error);
    };
  });
  ready.catch(() => undefined);
  result.catch(() => undefined);
  const timer = setTimeout(
    () => fail(new Error(`token worker gave no result within ${timeoutMs} ms: ${stderr}`)),
    timeoutMs,
  );
  timer.unref();
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  child.on('exit', (code, signal) => {
    clearTimeout(timer);
    fail(new Error(`token worker exited (${code ?? signal}) without a result: ${stderr}`));
  });
  child.stdout!.on('data', (chunk) => {
    stdout += String(chunk);
    const lines = stdout.split('\n');
    stdout = lines.pop() ?? '';
    for (const line of lines) {
      if (line === 'ready') markReady();
      else if (line.startsWith('{')) settle(JSON.parse(line) as TokenWorkerResult);
    }
  });
  return { ready, result };
}

async function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}
