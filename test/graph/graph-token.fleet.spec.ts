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

/** One app process of the fleet (test/graph/fixtures/token-worker.ts), driven over stdin/stdout. */
class Worker {
  private readonly child: ChildProcess;
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | undefined;
  private stderr = '';
  private exited: Error | undefined;

  constructor(env: Record<string, string>, msal: object) {
    this.child = spawn(process.execPath, ['-r', REGISTER, WORKER], {
      cwd: ROOT,
      env: { ...process.env, WORKER_ENV: JSON.stringify(env), WORKER_MSAL: JSON.stringify(msal) },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr!.on('data', (chunk) => (this.stderr += String(chunk)));
    let partial = '';
    this.child.stdout!.on('data', (chunk) => {
      const parts = (partial + String(chunk)).split('\n');
      partial = parts.pop() ?? '';
      for (const line of parts) this.push(line);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = new Error(`worker exited (${code ?? signal}): ${this.stderr}`);
      this.push('');
    });
  }

  /** Resolves when the app in the process is up (after start or "restart"). */
  async ready(): Promise<void> {
    const line = await this.nextLine();
    if (line !== 'ready') throw this.exited ?? new Error(`worker said ${line}, expected ready`);
  }

  restart(): Promise<void> {
    this.child.stdin!.write('restart\n');
    return this.ready();
  }

  /** Sends "go" at once; the promise is the outcome of that one token request. */
  getAccessToken(): Promise<WorkerResult> {
    this.child.stdin!.write('go\n');
    return this.nextLine().then((line) => {
      if (!line.startsWith('{')) throw this.exited ?? new Error(`worker said ${line}, expected a result`);
      return JSON.parse(line) as WorkerResult;
    });
  }

  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  private push(line: string): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    if (waiting) waiting(line);
    else this.lines.push(line);
  }

  private nextLine(): Promise<string> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.exited) return Promise.resolve('');
    return new Promise((resolve) => (this.waiting = resolve));
  }
}

describe('GraphTokenService across processes sharing one Redis', () => {
  let endpoint: FakeTokenEndpoint;
  let redis: RedisTestServer;
  const workers: Worker[] = [];

  beforeAll(async () => {
    [endpoint, redis] = await Promise.all([FakeTokenEndpoint.start(), RedisTestServer.start()]);
    const spawnWorker = () => new Worker(graphEnv(redis.env()), endpoint.msalOptions('test-tenant'));
    // The first process fills the transpile cache, so the others start in a fraction of the time.
    workers.push(spawnWorker());
    await workers[0].ready();
    workers.push(spawnWorker(), spawnWorker(), spawnWorker());
    await Promise.all(workers.slice(1).map((worker) => worker.ready()));
  }, 180_000);
  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill()));
    await Promise.all([endpoint.stop(), redis.stop()]);
  });
  beforeEach(() => {
    endpoint.reset();
    redis.cli('FLUSHALL');
  });

  it('4 cold processes cause exactly 1 token request', async () => {
    // A slow answer keeps the first request open while the others arrive.
    endpoint.answerWith({ kind: 'token', delayMs: 300 });
    const results = await Promise.all(workers.map((worker) => worker.getAccessToken()));

    expect(results.every((result) => result.ok)).toBe(true);
    expect(new Set(results.map((result) => result.token)).size).toBe(1);
    expect(endpoint.count).toBe(1);
    expect(results.filter((result) => result.source === 'network')).toHaveLength(1);
    expect(results.filter((result) => result.source === 'cache')).toHaveLength(3);
    expect(Number(redis.cli('TTL', KEY))).toBeLessThanOrEqual(3300);
  }, 60_000);

  it('3 processes against a hung endpoint all fail within about one bound, with 1 request', async () => {
    // GRAPH_TOKEN_TIMEOUT_MS is 3000. Waiting out the holder and then timing out on their
    // own would take the others 2 and 3 bounds; sharing the holder's failure takes one.
    const boundMs = 3000;
    const three = workers.slice(1, 4);
    await Promise.all(three.map((worker) => worker.restart()));
    endpoint.answerWith({ kind: 'hang' });
    const results = await Promise.all(three.map((worker) => worker.getAccessToken()));

    expect(results.map((result) => result.ok)).toEqual([false, false, false]);
    for (const result of results) expect(result.error).toContain('GraphTokenError');
    expect(results.every((result) => /TIMEOUT|did not answer/.test(result.error ?? ''))).toBe(true);
    expect(Math.max(...results.map((result) => result.ms))).toBeLessThan(1.5 * boundMs);
    expect(endpoint.count).toBe(1);
    expect(redis.cli('EXISTS', `${KEY}:lock`)).toBe('0');
    const deadline = Date.now() + 3000;
    while (endpoint.openHangingConnections > 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(endpoint.openHangingConnections).toBe(0);
  }, 60_000);

  it('others proceed once the lock of a killed holder expires', async () => {
    // Fresh apps: nothing in memory. GRAPH_TOKEN_TIMEOUT_MS is 3000, so the lock lives 4 s
    // and a waiter would give up only after 7 s.
    const [holder, ...others] = workers.slice(0, 3);
    await Promise.all([holder, ...others].map((worker) => worker.restart()));
    endpoint.answerNext({ kind: 'hang' });
    const holderResult = holder.getAccessToken();
    holderResult.catch(() => undefined);
    await endpoint.waitForRequests(1);
    expect(redis.cli('EXISTS', `${KEY}:lock`)).toBe('1');
    await holder.kill();

    const lockLeftMs = Number(redis.cli('PTTL', `${KEY}:lock`));
    expect(lockLeftMs).toBeGreaterThan(0);
    const results = await Promise.all(others.map((worker) => worker.getAccessToken()));

    expect(results.every((result) => result.ok)).toBe(true);
    expect(new Set(results.map((result) => result.token)).size).toBe(1);
    // Both found the dead holder's lock and waited; neither broke it early.
    expect(results.every((result) => result.lockWaits === 1)).toBe(true);
    expect(Math.min(...results.map((result) => result.ms))).toBeGreaterThanOrEqual(lockLeftMs - 300);
    // The dead holder's request, then exactly one more.
    expect(endpoint.count).toBe(2);
  }, 60_000);

  it('a waiter whose lock holder never finishes fetches a token itself', async () => {
    // The waiter waits lock TTL + GRAPH_TOKEN_TIMEOUT_MS, then its own request is bounded by
    // GRAPH_TOKEN_TIMEOUT_MS: 1500 ms timed the fake endpoint out once on a loaded 2-core
    // machine. The test is about who fetches, not how fast.
    const graph = await startGraphApp(graphEnv({ ...redis.env(), GRAPH_TOKEN_TIMEOUT_MS: '4000' }), endpoint);
    try {
      // A holder that is alive but stuck: its lock outlives any sensible wait.
      redis.cli('SET', `${KEY}:lock`, JSON.stringify('stuck-owner'), 'PX', '60000');
      const token = await graph.tokens.getAccessToken();
      expect(token).toMatch(/^fake-access-token-/);
      expect(graph.tokens.status).toMatchObject({ source: 'network', lockWaits: 1 });
      expect(graph.logs.some((line) => line.startsWith('warn') && line.includes('fetching a token here instead'))).toBe(
        true,
      );
      expect(endpoint.count).toBe(1);
      expect(JSON.parse(redis.cli('GET', `${KEY}:lock`))).toBe('stuck-owner');
    } finally {
      await graph.close();
    }
  }, 60_000);
});
