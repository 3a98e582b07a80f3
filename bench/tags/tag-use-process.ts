import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { TagUseCommand, TagUseReply } from './messages';

/** Longest wait for a reply; a process silent for this long is stuck, and the suite fails. */
const REPLY_BOUND_MS = 60_000;

type Reply<T extends TagUseReply['type']> = Extract<TagUseReply, { type: T }>;

/** The bench's side of one tag-use process: one command at a time, each answered by one reply. */
export class TagUseProcess {
  private exit: Error | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on(
      'exit',
      (code, signal) => (this.exit = new Error(`tag-use process ${child.pid} exited (${signal ?? code})`)),
    );
  }

  /**
   * `tags`: whether the process uses tags before it is measured. `keyPrefix` keeps each
   * process's Redis keys apart; give every process one of the same length, so all send
   * keys of the same size.
   */
  static async start(tags: 'used' | 'never', keyPrefix: string, redisPort: number): Promise<TagUseProcess> {
    const child = fork(join(__dirname, 'untagged-get.child.ts'), {
      execArgv: process.execArgv,
      env: { ...process.env, BENCH_TAGS: tags, BENCH_KEY_PREFIX: keyPrefix, BENCH_REDIS_PORT: String(redisPort) },
    });
    const tagUse = new TagUseProcess(child);
    await tagUse.reply('ready');
    return tagUse;
  }

  async request<T extends TagUseReply['type']>(command: TagUseCommand, type: T): Promise<Reply<T>> {
    if (this.exit) throw this.exit;
    const replied = this.reply(type);
    this.child.send(command);
    return replied;
  }

  /** Asks the process to close its caches and waits for it to end; kills it if it does not. */
  async close(): Promise<void> {
    if (this.exit) return;
    const ended = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    this.child.send({ type: 'close' } satisfies TagUseCommand);
    await ended;
    clearTimeout(timer);
  }

  private reply<T extends TagUseReply['type']>(type: T): Promise<Reply<T>> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`tag-use process ${this.child.pid}: no "${type}" within ${REPLY_BOUND_MS} ms`)),
        REPLY_BOUND_MS,
      );
      const onMessage = (message: TagUseReply) => {
        if (message.type === type) done(undefined, message as Reply<T>);
      };
      const onExit = () => done(this.exit ?? new Error(`tag-use process ${this.child.pid} exited`));
      const done = (error: Error | undefined, message?: Reply<T>) => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
        if (error) reject(error);
        else resolve(message!);
      };
      this.child.on('message', onMessage);
      this.child.on('exit', onExit);
    });
  }
}
