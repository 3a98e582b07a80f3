import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { BurstRequest } from './burst-request';
import type { BurstOutcome, KeyReadings } from './operation-log';
import { WORKER_ENV_VARIABLE, WORKER_INDEX_VARIABLE, type WorkerCommand, type WorkerReply } from './worker-protocol';

const ROOT = join(__dirname, '..', '..', '..');
const WORKER_SCRIPT = join(__dirname, 'coherence-worker.ts');
const REGISTER = join(ROOT, 'test', 'helpers', 'ts-register.js');
/** The first start on a machine transpiles the module graph (cached afterwards); the same allowance as test/graph/fixture-process.ts. */
const STARTUP_BOUND_MS = 60_000;
/** Any command but a burst answers in well under a second; a hung worker must fail the test, not stall it. */
const COMMAND_BOUND_MS = 30_000;

type CommandBody = WorkerCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

/** The parent's side of one forked coherence worker. */
export class WorkerProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void }>();
  private stderr = '';

  private constructor(
    readonly index: number,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (chunk) => (this.stderr = (this.stderr + String(chunk)).slice(-8000)));
    child.on('message', (message: WorkerReply) => {
      if (!('id' in message)) return;
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.type === 'failed') waiter?.reject(new Error(`worker ${index}: ${message.error}`));
      else waiter?.resolve(message);
    });
    child.on('exit', (code, signal) => {
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`worker ${index} exited (${code ?? signal}):\n${this.stderr}`));
      this.waiting.clear();
    });
  }

  static start(index: number, env: Record<string, string>): Promise<WorkerProcess> {
    const child = fork(WORKER_SCRIPT, [], {
      cwd: ROOT,
      execArgv: ['-r', REGISTER],
      env: { ...process.env, [WORKER_ENV_VARIABLE]: JSON.stringify(env), [WORKER_INDEX_VARIABLE]: String(index) },
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const worker = new WorkerProcess(index, child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`worker ${index} not ready within ${STARTUP_BOUND_MS} ms:\n${worker.stderr}`));
      }, STARTUP_BOUND_MS);
      const onMessage = (message: WorkerReply) => {
        if (message.type !== 'ready' && message.type !== 'startup-failed') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        if (message.type === 'ready') resolve(worker);
        else reject(new Error(`worker ${index} failed to start: ${message.error}\n${worker.stderr}`));
      };
      child.on('message', onMessage);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker ${index} exited with ${code} before it was ready:\n${worker.stderr}`));
      });
    });
  }

  /** What the worker wrote to stderr lately (the module's error log lines among it). */
  get errorOutput(): string {
    return this.stderr;
  }

  async burst(request: BurstRequest, boundMs: number): Promise<BurstOutcome> {
    const reply = await this.send({ type: 'burst', request }, boundMs);
    if (reply.type !== 'burst-done') throw new Error(`worker ${this.index} answered ${reply.type} to a burst`);
    return reply.outcome;
  }

  async halt(): Promise<void> {
    await this.send({ type: 'halt' });
  }

  async readAll(keys: string[]): Promise<KeyReadings> {
    const reply = await this.send({ type: 'read-all', keys });
    if (reply.type !== 'readings') throw new Error(`worker ${this.index} answered ${reply.type} to read-all`);
    return reply.readings;
  }

  /** Closes the app and waits for the process to end; kills it if it does not within the bound. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    const closed = this.send({ type: 'close' }, 10_000).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await closed;
    await exited;
    clearTimeout(timer);
  }

  private send(body: CommandBody, boundMs = COMMAND_BOUND_MS): Promise<WorkerReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`worker ${this.index} did not answer ${body.type} within ${boundMs} ms:\n${this.stderr}`));
      }, boundMs);
      this.waiting.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ ...body, id } as WorkerCommand);
    });
  }
}
