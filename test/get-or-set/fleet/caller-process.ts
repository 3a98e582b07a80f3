import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { WORKER_ENV_VARIABLE, WORKER_INDEX_VARIABLE, type BurstOutcome, type CallerBurst, type CallerCommand, type CallerReply } from './caller-protocol';

const ROOT = join(__dirname, '..', '..', '..');
const WORKER_SCRIPT = join(__dirname, 'caller-worker.ts');
const REGISTER = join(ROOT, 'test', 'helpers', 'ts-register.js');
/** The first start on a machine transpiles the module graph (cached afterwards); the same allowance as test/graph/fixture-process.ts. */
const STARTUP_BOUND_MS = 60_000;

type FactoryStarted = Extract<CallerReply, { type: 'factory-started' }>;
type CommandBody = CallerCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;

/** The parent's side of one forked caller process (caller-worker.ts). */
export class CallerProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (reply: CallerReply) => void; reject: (error: Error) => void }>();
  private stderr = '';
  private factoryListener: ((started: FactoryStarted) => void) | undefined;

  private constructor(
    readonly index: number,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (chunk) => (this.stderr = (this.stderr + String(chunk)).slice(-8000)));
    child.on('message', (message: CallerReply) => {
      if (message.type === 'factory-started') this.factoryListener?.(message);
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

  static start(index: number, env: Record<string, string>): Promise<CallerProcess> {
    const child = fork(WORKER_SCRIPT, [], {
      cwd: ROOT,
      execArgv: ['-r', REGISTER],
      env: { ...process.env, [WORKER_ENV_VARIABLE]: JSON.stringify(env), [WORKER_INDEX_VARIABLE]: String(index) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const worker = new CallerProcess(index, child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`worker ${index} not ready within ${STARTUP_BOUND_MS} ms:\n${worker.stderr}`));
      }, STARTUP_BOUND_MS);
      const onMessage = (message: CallerReply) => {
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

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Called whenever a factory of this process that waits for the parent starts. */
  onFactoryStarted(listener: ((started: FactoryStarted) => void) | undefined): void {
    this.factoryListener = listener;
  }

  finishFactory(key: string): void {
    if (this.alive) this.child.send({ type: 'finish-factory', key } satisfies CallerCommand);
  }

  async burst(burst: CallerBurst, boundMs: number): Promise<BurstOutcome> {
    const reply = await this.send({ type: 'burst', burst }, boundMs);
    if (reply.type !== 'burst-done') throw new Error(`worker ${this.index} answered ${reply.type} to a burst`);
    return reply.outcome;
  }

  /** SIGKILL: the process dies at once, with whatever lock it holds. */
  async kill(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** Closes the app and waits for the process to end; kills it if it does not within the bound. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    const closed = this.send({ type: 'close' }, 10_000).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await closed;
    await exited;
    clearTimeout(timer);
  }

  private send(body: CommandBody, boundMs: number): Promise<CallerReply> {
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
      this.child.send({ ...body, id } as CallerCommand);
    });
  }
}
