import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import {
  type LifecycleCommand,
  type LifecycleReply,
  WORKER_ENV_VARIABLE,
  WORKER_INDEX_VARIABLE,
  type WithoutId,
} from './worker-ipc';

const ROOT = join(__dirname, '..', '..');
const REGISTER = join(__dirname, 'ts-register.js');
/** The first start on a machine transpiles the module graph (cached afterwards); the same allowance as test/graph/fixture-process.ts. */
const STARTUP_BOUND_MS = 60_000;
/** The tail of the child's stderr that error messages quote. */
const STDERR_KEPT = 8000;

export interface ForkOptions {
  /** The child's entry point, a .ts file that calls serveWorkerApp (worker-app.ts). */
  script: string;
  index: number;
  /** The cache's whole environment: the child's module sees nothing else. */
  env: Record<string, string>;
  /** The child's stdout: 'inherit' to see what it prints in the test output. */
  stdout: 'ignore' | 'inherit';
}

interface Waiter {
  resolve(reply: { type: string }): void;
  reject(error: Error): void;
}

/**
 * The parent's side of one forked app process, run with `-r test/helpers/ts-register.js`;
 * a subclass gives it its commands. Requests go out over IPC with an id, and their answers
 * come back under it. A child that exits fails every request it left unanswered, quoting
 * the tail of its stderr.
 */
export abstract class ForkedWorker<Command extends { type: string }, Reply extends { type: string }> {
  readonly index: number;
  private readonly child: ChildProcess;
  private readonly started: Promise<void>;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiter>();
  private stderr = '';
  private noticeListener: ((notice: Reply) => void) | undefined;

  /** Forks the child; `ready()` tells when it can be asked. */
  protected constructor(options: ForkOptions) {
    this.index = options.index;
    this.child = fork(options.script, [], {
      cwd: ROOT,
      execArgv: ['-r', REGISTER],
      env: {
        ...process.env,
        [WORKER_ENV_VARIABLE]: JSON.stringify(options.env),
        [WORKER_INDEX_VARIABLE]: String(options.index),
      },
      stdio: ['ignore', options.stdout, 'pipe', 'ipc'],
    });
    this.child.stderr?.on('data', (chunk) => (this.stderr = (this.stderr + String(chunk)).slice(-STDERR_KEPT)));
    this.child.on('message', (message: Reply | LifecycleReply) => this.receive(message));
    this.child.on('exit', (code, signal) => {
      for (const waiter of this.waiting.values())
        waiter.reject(new Error(`worker ${this.index} exited (${code ?? signal}):\n${this.stderr}`));
      this.waiting.clear();
    });
    this.started = this.startup();
  }

  /** Resolves once the child says its cache answers; rejects (the child killed or gone) if it does not start. */
  async ready(): Promise<this> {
    await this.started;
    return this;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: the process dies at once, with whatever it holds. */
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
    const close: WithoutId<LifecycleCommand> = { type: 'close' };
    const closed = this.request(close.type, close, 10_000).catch(() => undefined);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await closed;
    await exited;
    clearTimeout(timer);
  }

  /** Sends `body` and resolves with the answer, which must be of type `answer`; rejects after `boundMs`. */
  protected async ask<T extends Reply['type']>(
    body: WithoutId<Command>,
    answer: T,
    boundMs: number,
  ): Promise<Extract<Reply, { type: T }>> {
    const { type } = body as { type: string };
    const reply = await this.request(type, body, boundMs);
    if (reply.type !== answer) throw new Error(`worker ${this.index} answered ${reply.type} to ${type}`);
    return reply as Extract<Reply, { type: T }>;
  }

  /** A command that gets no answer; dropped if the child is gone. */
  protected post(command: Exclude<Command, { id: number }>): void {
    if (this.alive) this.child.send(command);
  }

  /** Called with every message the child sends of its own accord, not as an answer. */
  protected onNotice(listener: ((notice: Reply) => void) | undefined): void {
    this.noticeListener = listener;
  }

  private startup(): Promise<void> {
    const { child, index } = this;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`worker ${index} not ready within ${STARTUP_BOUND_MS} ms:\n${this.stderr}`));
      }, STARTUP_BOUND_MS);
      const onMessage = (message: LifecycleReply) => {
        if (message.type !== 'ready' && message.type !== 'startup-failed') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        if (message.type === 'ready') resolve();
        else reject(new Error(`worker ${index} failed to start: ${message.error}\n${this.stderr}`));
      };
      child.on('message', onMessage);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker ${index} exited with ${code} before it was ready:\n${this.stderr}`));
      });
    });
  }

  private receive(message: Reply | LifecycleReply): void {
    if (!('id' in message)) {
      if (message.type !== 'ready' && message.type !== 'startup-failed') this.noticeListener?.(message as Reply);
      return;
    }
    const waiter = this.waiting.get(message.id);
    this.waiting.delete(message.id);
    if (message.type === 'failed')
      waiter?.reject(new Error(`worker ${this.index}: ${(message as { error: string }).error}`));
    else waiter?.resolve(message);
  }

  private request(type: string, body: object, boundMs: number): Promise<{ type: string }> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`worker ${this.index} did not answer ${type} within ${boundMs} ms:\n${this.stderr}`));
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
      this.child.send({ ...body, id });
    });
  }
}
