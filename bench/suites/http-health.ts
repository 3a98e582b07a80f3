import cluster, { type Worker } from 'node:cluster';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/free-port';
import { makeRow, type Row } from '../support/row';
import type { BenchSettings } from '../support/settings';
import { defaultCacheOptions } from '../../src/config/cache-defaults';

const SECTION = 'HTTP, 2 Nest worker processes (Node cluster) on one port, autocannon in the primary';
const WORKERS = 2;

/** The part of autocannon's result the bench reads. */
interface AutocannonResult {
  requests: { total: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  pipelining: number;
}) => Promise<AutocannonResult>;

/** GET /health/cache against a trivial route of the same app, alternating in rounds. */
export async function httpHealthRows(redisPort: number, settings: BenchSettings): Promise<Row[]> {
  // autocannon ships no typings.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const autocannon = require('autocannon') as Autocannon;
  const port = await freePort();
  const workers = await startWorkers(port, redisPort);
  try {
    const measured = new Map<string, number[]>([
      ['/health/cache', []],
      ['/bench/trivial', []],
    ]);
    const failures: string[] = [];
    const paths = [...measured.keys()];
    // Let both routes run hot in both workers (JIT, connection pools) before anything counts.
    for (const path of paths) {
      await autocannon({
        url: `http://127.0.0.1:${port}${path}`,
        connections: settings.http.connections,
        duration: 1,
        pipelining: 1,
      });
    }
    for (let round = 0; round < settings.http.rounds; round++) {
      for (const path of round % 2 === 0 ? paths : [...paths].reverse()) {
        const result = await autocannon({
          url: `http://127.0.0.1:${port}${path}`,
          connections: settings.http.connections,
          duration: settings.http.seconds,
          pipelining: 1,
        });
        const bad = result.non2xx + result.errors + result.timeouts;
        if (bad > 0) failures.push(`${path}: ${bad} failed requests`);
        if (result.requests.total === 0) failures.push(`${path}: no request completed in round ${round + 1}`);
        measured.get(path)!.push(result.requests.total / result.duration);
      }
    }
    return [
      makeRow({
        section: SECTION,
        measurement: 'GET /health/cache',
        unit: 'req/s',
        ours: measured.get('/health/cache')!,
        baselineName: 'GET /bench/trivial, a Nest route returning a constant, same app',
        baseline: measured.get('/bench/trivial')!,
        minSpeed: 0.8,
        note: `a successful Redis PING is reused for ${defaultCacheOptions().healthCacheMs} ms (CACHE_HEALTH_CACHE_MS) and dropped at the first failed cache call`,
        problem: failures.length > 0 ? failures.join(', ') : undefined,
      }),
    ];
  } finally {
    await stopWorkers(workers);
  }
}

async function startWorkers(port: number, redisPort: number): Promise<Worker[]> {
  cluster.setupPrimary({ exec: join(__dirname, '..', 'http', 'worker.ts'), execArgv: process.execArgv, silent: false });
  const workers = Array.from({ length: WORKERS }, () =>
    cluster.fork({ BENCH_HTTP_PORT: String(port), BENCH_REDIS_PORT: String(redisPort) }),
  );
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve, reject) => {
          worker.on('message', (message: { listening?: boolean }) => message.listening && resolve());
          worker.once('exit', (code) => reject(new Error(`HTTP worker exited with code ${code} before it listened`)));
        }),
    ),
  );
  return workers;
}

async function stopWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(
    workers.map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          const timer = setTimeout(() => worker.process.kill('SIGKILL'), 5000);
          worker.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          worker.disconnect();
        }),
    ),
  );
}
