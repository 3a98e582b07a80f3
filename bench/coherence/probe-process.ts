import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { ProbeCacheKind, ProbeCommand, ProbeReply } from './messages';

/** Longest wait for any reply; a process that says nothing for this long is stuck, and the suite fails. */
const REPLY_BOUND_MS = 30_000;

type Reply<T extends ProbeReply['type']> = Extract<ProbeReply, { type: T }>;

interface Waiter {
  resolve(reply: ProbeReply): void;
  reject(error: Error): void;
}

/**
 * The bench's side of one probe process: commands go out over IPC, replies queue by type,
 * so a reply that arrives before anyone waits for it is kept, not lost.
 */
export class ProbeProcess {
  private readonly arrived = new Map<string, ProbeReply[]>();
  private readonly waiting = new Map<string, Waiter[]>();
  private exit: Error | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: ProbeReply) => this.deliver(reply));
    child.on('exit', (code, signal) => {
      this.exit = new Error(`probe process ${child.pid} exited (${signal ?? code})`);
      for (const list of this.waiting.values()) for (const waiter of list.splice(0)) waiter.reject(this.exit);
    });
  }

  static async start(kinds: readonly ProbeCacheKind[], redisPort: number): Promise<ProbeProcess> {
    const child = fork(join(__dirname, 'probe.child.ts'), {
      execArgv: process.execArgv,
      env: { ...process.env, BENCH_PROBE_CACHES: kinds.join(','), BENCH_REDIS_PORT: String(redisPort) },
    });
    const probe = new ProbeProcess(child);
    await probe.next('ready');
    return probe;
  }

  send(command: ProbeCommand): void {
    if (this.exit) throw this.exit;
    this.child.send(command);
  }

  next<T extends ProbeReply['type']>(type: T): Promise<Reply<T>> {
    const queued = this.arrived.get(type)?.shift();
    if (queued) return Promise.resolve(queued as Reply<T>);
    if (this.exit) return Promise.reject(this.exit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`probe process ${this.child.pid}: no "${type}" within ${REPLY_BOUND_MS} ms`)),
        REPLY_BOUND_MS,
      );
      const list = this.waiting.get(type) ?? this.waiting.set(type, []).get(type)!;
      list.push({
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply as Reply<T>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  /** Asks the process to close its cache and waits for it to end; kills it if it does not. */
  async close(): Promise<void> {
    if (this.exit) return;
    const ended = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    this.child.send({ type: 'close' } satisfies ProbeCommand);
    await ended;
    clearTimeout(timer);
  }

  private deliver(reply: ProbeReply): void {
    const waiter = this.waiting.get(reply.type)?.shift();
    if (waiter) waiter.resolve(reply);
    else (this.arrived.get(reply.type) ?? this.arrived.set(reply.type, []).get(reply.type)!).push(reply);
  }
}
