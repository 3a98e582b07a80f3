import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { FakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { RedisTestServer } from '../helpers/redis-server';
import { graphEnv, startGraphApp } from './graph-test-app';

const ROOT = join(__dirname, '..', '..');
const WORKER = join(__dirname, 'fixtures', 'token-worker.ts');
const REGISTER = join(ROOT, 'test', 'helpers', 'ts-register.js');
const KEY = ':1:graph_token_cache';

interface WorkerResult {
  ok: boolean;
  token?: string;
  source?: string;
  lockWaits?: number;
  error?: string;
  ms: number;
}

/** One app process of the fleet (test/graph/fixtures/token-worker.ts). */
class Worker {
  readonly ready: Promise<void>;
  readonly result: Promise<WorkerResult>;
  private readonly child: ChildProcess;

  constructor(env: Record<string, string>, msal: object) {
    this.child = spawn(process.execPath, ['-r', REGISTER, WORKER], {
      cwd: ROOT,
      env: { ...process.env, WORKER_ENV: JSON.stringify(env), WORKER_MSAL: JSON.stringify(msal) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    this.child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
    let markReady: () => void = () => undefined;
    let settle: (result: WorkerResult) => void = () => undefined;
    this.ready = new Promise((resolve) => (markReady = resolve));
    this.result = new Promise((resolve, reject) => {
      settle = resolve;
      this.child.on('exit', (code, signal) => reject(new Error(`worker exited (${code ?? signal}) without a result: ${stderr}`)));
    });
    this.result.catch(() => undefined);
    this.child.stdout!.on('data', (chunk) => {
      stdout += String(chunk);
      const lines = stdout.split('\n');
      stdout = lines.pop() ?? '';
      for (const line of lines) {
        if (line === 'ready') markReady();
        else if (line.startsWith('{')) settle(JSON.parse(line) as WorkerResult);
      }
    });
  }

  go(): void {
    this.child.stdin!.write('go\n');
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}

describe('GraphTokenService across processes sharing one Redis', () => {
  let endpoint: FakeTokenEndpoint;
  let redis: RedisTestServer;
  let workers: Worker[] = [];

  beforeAll(async () => {
    [endpoint, redis] = await Promise.all([FakeTokenEndpoint.start(), RedisTestServer.start()]);
    // One process first fills the transpile cache, so the fleet below starts in seconds.
    const warmUp = new Worker({ CACHE_BACKEND: 'locmem' }, {});
    await warmUp.ready;
    await warmUp.kill();
  }, 120_000);
  afterAll(async () => {
    await Promise.all([endpoint.stop(), redis.stop()]);
  });
  beforeEach(() => {
    endpoint.reset();
    redis.cli('FLUSHALL');
  });
  afterEach(async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    workers = [];
  });

  function fleet(size: number, env: Record<string, string> = {}): Worker[] {
    const started = Array.from(
      { length: size },
      () => new Worker(graphEnv({ ...redis.env(), ...env }), endpoint.msalOptions('test-tenant')),
    );
    workers.push(...started);
    return started;
  }

  it('4 cold processes cause exactly 1 token request', async () => {
    const processes = fleet(4);
    await Promise.all(processes.map((worker) => worker.ready));
    // A slow answer keeps the first request open while the others arrive.
    endpoint.answerWith({ kind: 'token', delayMs: 300 });
    for (const worker of processes) worker.go();
    const results = await Promise.all(processes.map((worker) => worker.result));

    expect(results.every((result) => result.ok)).toBe(true);
    expect(new Set(results.map((result) => result.token)).size).toBe(1);
    expect(endpoint.count).toBe(1);
    expect(results.filter((result) => result.source === 'network')).toHaveLength(1);
    expect(results.filter((result) => result.source === 'cache')).toHaveLength(3);
    expect(Number(redis.cli('TTL', KEY))).toBeLessThanOrEqual(3300);
  }, 120_000);

  it('others proceed once the lock of a killed holder expires', async () => {
    // Lock TTL = request bound + 1 s = 2.5 s.
    const [holder, ...others] = fleet(3, { GRAPH_TOKEN_TIMEOUT_MS: '1500' });
    await Promise.all([holder, ...others].map((worker) => worker.ready));
    endpoint.answerNext({ kind: 'hang' });
    holder.go();
    await endpoint.waitForRequests(1);
    expect(redis.cli('EXISTS', `${KEY}:lock`)).toBe('1');
    await holder.kill();

    const lockLeftMs = Number(redis.cli('PTTL', `${KEY}:lock`));
    expect(lockLeftMs).toBeGreaterThan(0);
    for (const worker of others) worker.go();
    const results = await Promise.all(others.map((worker) => worker.result));

    expect(results.every((result) => result.ok)).toBe(true);
    expect(new Set(results.map((result) => result.token)).size).toBe(1);
    // Both found the dead holder's lock and waited; neither broke it early.
    expect(results.every((result) => result.lockWaits === 1)).toBe(true);
    expect(Math.min(...results.map((result) => result.ms))).toBeGreaterThanOrEqual(lockLeftMs - 300);
    // The dead holder's request, then exactly one more.
    expect(endpoint.count).toBe(2);
  }, 120_000);

  it('a waiter whose lock holder never finishes fetches a token itself', async () => {
    const graph = await startGraphApp(graphEnv({ ...redis.env(), GRAPH_TOKEN_TIMEOUT_MS: '500' }), endpoint);
    try {
      // A holder that is alive but stuck: its lock outlives any sensible wait.
      redis.cli('SET', `${KEY}:lock`, JSON.stringify('stuck-owner'), 'PX', '60000');
      const token = await graph.tokens.getAccessToken();
      expect(token).toMatch(/^fake-access-token-/);
      expect(graph.tokens.status).toMatchObject({ source: 'network', lockWaits: 1 });
      expect(graph.logs.some((line) => line.startsWith('warn') && line.includes('fetching a token here instead'))).toBe(true);
      expect(endpoint.count).toBe(1);
      expect(JSON.parse(redis.cli('GET', `${KEY}:lock`))).toBe('stuck-owner');
    } finally {
      await graph.close();
    }
  });
});
