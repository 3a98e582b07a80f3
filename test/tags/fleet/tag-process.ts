import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type {
  MissWatch,
  MissWatchOutcome,
  Readings,
  ReadOutcome,
  ReadVia,
  TagCommand,
  TagReply,
} from './tag-fleet-protocol';
import { WORKER_INDEX_VARIABLE } from './tag-fleet-protocol';
import type { TaggedWrite } from './tagged-workload';

const ROOT = join(__dirname, '..', '..', '..');
const WORKER_SCRIPT = join(__dirname, 'tag-worker.ts');
const REGISTER = join(ROOT, 'test', 'helpers', 'ts-register.js');
/** The first start on a machine transpiles the module graph (cached afterwards); the same allowance as test/graph/fixture-process.ts. */
const STARTUP_BOUND_MS = 60_000;
/** Every command but a watch answers in well under a second; a hung worker must fail the test, not stall it. */
const COMMAND_BOUND_MS = 15_000;
/** A boot waits up to 10 s for the cache to be up (tag-worker.ts). */
const BOOT_BOUND_MS = 20_000;

type CommandBody = TagCommand extends infer C ? (C extends { id: number } ? Omit<C, 'id'> : never) : never;
type Reply<T extends TagReply['type']> = Extract<TagReply, { type: T }>;

/** The parent's side of one forked tags worker (tag-worker.ts). */
export class TagProcess {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (reply: TagReply) => void; reject: (error: Error) => void }>();
  private stderr = '';

  private constructor(
    readonly index: number,
    private readonly child: ChildProcess,
  ) {
    child.stderr?.on('data', (chunk) => (this.stderr = (this.stderr + String(chunk)).slice(-8000)));
    child.on('message', (message: TagReply) => {
      if (!('id' in message)) return;
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.type === 'failed') waiter?.reject(new Error(`worker ${index}: ${message.error}`));
      else waiter?.resolve(message);
    });
    child.on('exit', (code, signal) => {
      for (const waiter of this.waiting.values())
        waiter.reject(new Error(`worker ${index} exited (${code ?? signal}):\n${this.stderr}`));
      this.waiting.clear();
    });
  }

  static start(index: number): Promise<TagProcess> {
    const child = fork(WORKER_SCRIPT, [], {
      cwd: ROOT,
      execArgv: ['-r', REGISTER],
      env: { ...process.env, [WORKER_INDEX_VARIABLE]: String(index) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const worker = new TagProcess(index, child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`worker ${index} not ready within ${STARTUP_BOUND_MS} ms:\n${worker.stderr}`));
      }, STARTUP_BOUND_MS);
      const onMessage = (message: TagReply) => {
        if (message.type !== 'ready') return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve(worker);
      };
      child.on('message', onMessage);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`worker ${index} exited with ${code} before it was ready:\n${worker.stderr}`));
      });
    });
  }

  /** Replaces the app this process runs by one configured from `env`, up and (on hybrid) hearing its bus. */
  async boot(env: Record<string, string>): Promise<void> {
    await this.send<'booted'>({ type: 'boot', env }, BOOT_BOUND_MS);
  }

  async write(writes: TaggedWrite[], timeout: number): Promise<boolean[]> {
    return (await this.send<'written'>({ type: 'write', writes, timeout })).results;
  }

  async read(keys: string[], via: ReadVia): Promise<ReadOutcome> {
    return (await this.send<'read-done'>({ type: 'read', keys, via })).outcome;
  }

  async watch(watch: MissWatch): Promise<MissWatchOutcome> {
    return (await this.send<'watched'>({ type: 'watch', watch }, watch.boundMs + COMMAND_BOUND_MS)).outcome;
  }

  invalidate(tags: string[]): Promise<Reply<'invalidated'>> {
    return this.send<'invalidated'>({ type: 'invalidate', tags });
  }

  async recompute(keys: string[], tags: string[], timeout: number): Promise<Readings> {
    return (await this.send<'recomputed'>({ type: 'recompute', keys, tags, timeout })).values;
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

  private send<T extends TagReply['type']>(body: CommandBody, boundMs = COMMAND_BOUND_MS): Promise<Reply<T>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error(`worker ${this.index} did not answer ${body.type} within ${boundMs} ms:\n${this.stderr}`));
      }, boundMs);
      this.waiting.set(id, {
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply as Reply<T>);
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
