import { execFile, execFileSync } from 'node:child_process';
import { join } from 'node:path';

const SCRIPT = join(__dirname, 'foreign_writer.py');

const INSTALL_HINT =
  "no python3 with redis-py: the foreign-writer tests write Redis from Python as another service would; install Debian's python3-redis (`sudo apt-get install python3-redis`), which /usr/bin/python3 sees";

let found: string | undefined;

/** A python3 that can `import redis`: the one on PATH, or Debian's (a pyenv python3 on PATH does not see python3-redis). */
export function pythonWithRedis(): string {
  if (found) return found;
  for (const candidate of ['python3', '/usr/bin/python3']) {
    try {
      execFileSync(candidate, ['-c', 'import redis'], { stdio: 'ignore' });
      found = candidate;
      return candidate;
    } catch {
      // the next one
    }
  }
  throw new Error(INSTALL_HINT);
}

/** Runs `ops` (see foreign_writer.py) in a Python process with redis-py; resolves once it exited, every reply received. */
export function pythonWrites(
  target: { host: string; port: number },
  ops: (string | number)[][],
  options: { pickle?: boolean } = {},
): Promise<string[]> {
  const python = pythonWithRedis();
  return new Promise((resolve, reject) => {
    const child = execFile(python, [SCRIPT], { encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`foreign_writer.py failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as string[]);
    });
    child.stdin!.end(JSON.stringify({ host: target.host, port: target.port, ops, pickle: options.pickle === true }));
  });
}

/** What a Python burst recorded: one record per key changed, in the coherence checker's shape. */
export interface PythonBurstRecord {
  worker: number;
  kind: 'set' | 'delete';
  key: string;
  issuedUs: number;
  ackedUs: number;
  /** undefined for a delete (JSON null from Python), as the coherence checker records it. */
  value: string | undefined;
  acknowledged: true;
}

/** Random SET, DEL, PEXPIRE 0, MSET, MULTI/EXEC and EVAL from a Python process for `durationMs` (foreign_writer.py). */
export function pythonBurst(
  /** `cluster`: a node of a Redis Cluster, which the writer learns the rest from. */
  target: { host: string; port: number; cluster?: boolean },
  burst: { prefix: string; keys: string[]; worker: number; seed: number; durationMs: number; rate: number },
): Promise<PythonBurstRecord[]> {
  const python = pythonWithRedis();
  return new Promise((resolve, reject) => {
    const child = execFile(
      python,
      [SCRIPT],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`foreign_writer.py failed: ${stderr || error.message}`));
        else
          resolve(
            (JSON.parse(stdout) as (Omit<PythonBurstRecord, 'value'> & { value: string | null })[]).map((record) => ({
              ...record,
              value: record.value ?? undefined,
            })),
          );
      },
    );
    child.stdin!.end(JSON.stringify({ host: target.host, port: target.port, cluster: target.cluster, burst }));
  });
}
