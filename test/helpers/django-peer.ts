import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const PEER = join(__dirname, 'django_peer.py');

const INSTALL_HINT =
  "python3 is not installed: the django value-format tests use CPython's own pickle as their peer; install it with `sudo apt-get install python3` (Debian/Ubuntu) or `brew install python` (macOS)";

/** Fails with one line that says how to install Python, if it is missing. */
export function assertPythonInstalled(): void {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(INSTALL_HINT);
  }
}

/**
 * Runs one request through test/helpers/django_peer.py: CPython's pickle called as
 * Django's RedisCache calls it, in a Python process with TZ=UTC (IdeaGraph's TIME_ZONE,
 * which Django puts in the process environment), Redis through a minimal RESP client.
 */
export function djangoPeer<T>(request: Record<string, unknown>): T {
  assertPythonInstalled();
  const out = execFileSync('python3', [PEER], {
    input: JSON.stringify(request),
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC', PYTHONHASHSEED: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(out) as T;
}

export interface PeerCheck {
  ok: boolean;
  got: string;
}
