import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const FIXTURE = join(__dirname, 'fixtures', 'token-once.ts');
const REGISTER = join(ROOT, 'test', 'helpers', 'ts-register.js');

export interface FixtureLine {
  event: 'started' | 'startup-failed' | 'result' | 'closed';
  ok?: boolean;
  name?: string;
  code?: string;
  message?: string;
  ms?: number;
}

export interface FixtureOutcome {
  lines: FixtureLine[];
  /** Null when the process had to be killed. */
  exitCode: number | null;
  /** False when it was still alive `exitBoundMs` after its last line (and was killed). */
  exitedByItself: boolean;
  stderr: string;
}

export interface FixtureOptions {
  requests?: number;
  pendingAtClose?: boolean;
  lingerMs?: number;
  /** How long after its last line (or after start, if it never says anything) the process may take to end. */
  exitBoundMs: number;
}

/** Runs test/graph/fixtures/token-once.ts in its own process and reports how that process ended. */
export function runTokenProcess(
  env: Record<string, string>,
  msal: object,
  options: FixtureOptions,
): Promise<FixtureOutcome> {
  const child = spawn(process.execPath, ['-r', REGISTER, FIXTURE], {
    cwd: ROOT,
    env: {
      ...process.env,
      WORKER_ENV: JSON.stringify(env),
      WORKER_MSAL: JSON.stringify(msal),
      FIXTURE_REQUESTS: String(options.requests ?? 1),
      FIXTURE_PENDING_AT_CLOSE: options.pendingAtClose ? '1' : '0',
      FIXTURE_LINGER_MS: String(options.lingerMs ?? 0),
    },
    // No stdin: an open pipe would keep the child alive by itself.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: FixtureLine[] = [];
  let stderr = '';
  let partial = '';
  let killed = false;
  // The first start transpiles the sources and can take long on a busy machine; the
  // bound starts counting at the process's last line.
  const firstLineBoundMs = 60_000;
  let timer = setTimeout(kill, firstLineBoundMs);
  function kill(): void {
    killed = true;
    child.kill('SIGKILL');
  }
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  child.stdout.on('data', (chunk) => {
    const parts = (partial + String(chunk)).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as FixtureLine;
      lines.push(parsed);
      if (parsed.event === 'closed' || parsed.event === 'startup-failed') {
        clearTimeout(timer);
        timer = setTimeout(kill, options.exitBoundMs);
      }
    }
  });
  return new Promise((resolve) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ lines, exitCode: killed ? null : code, exitedByItself: !killed, stderr });
    });
  });
}
