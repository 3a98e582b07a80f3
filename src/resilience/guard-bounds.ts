import { DeadlineQueue } from './deadline-queue';

/** A recovery delete may take this many command bounds (it may first open connections to idle cluster masters). */
const DRAIN_BOUND_FACTOR = 5;

/** Keys per extra command bound for a batch: 1000 keys measured about 4 ms of Redis time, so a bound per 1000 leaves wide room. */
const BATCH_KEYS_PER_BOUND = 1000;

/**
 * The time bounds of the guard's calls, and their deadline queues: one queue per bound
 * length (commands, batches, clear, drain, health probes), so each stays ordered by expiry.
 */
export class GuardBounds {
  private readonly queues = new Map<number, DeadlineQueue>();

  constructor(readonly commandTimeoutMs: number) {}

  /** The bound for a call over `count` keys: one command bound, plus one per BATCH_KEYS_PER_BOUND keys. */
  batchMs(count: number): number {
    return this.commandTimeoutMs * (1 + Math.floor(count / BATCH_KEYS_PER_BOUND));
  }

  /** The bound of a `clear()`: a SCAN over a large keyspace takes many short round trips. */
  get clearMs(): number {
    return Math.max(this.commandTimeoutMs * 50, 10_000);
  }

  /**
   * The bound of one recovery delete. Looser than one command: the first delete after a
   * cluster heals may have to open connections to idle masters first (measured up to
   * about 1 s on a busy machine).
   */
  get drainMs(): number {
    return this.commandTimeoutMs * DRAIN_BOUND_FACTOR;
  }

  deadline(boundMs: number): DeadlineQueue {
    let queue = this.queues.get(boundMs);
    if (!queue) {
      queue = new DeadlineQueue(boundMs);
      this.queues.set(boundMs, queue);
    }
    return queue;
  }

  /** `call`, or a CacheTimeoutError after `boundMs`. */
  bounded<T>(call: Promise<T>, boundMs: number): Promise<T> {
    return this.deadline(boundMs).settle(call, identity, rethrow);
  }

  expireAll(): void {
    for (const queue of this.queues.values()) queue.expireAll();
  }
}

/** What a call answers on a fault: its fallback, or (for `read`) the fallback mapped like an answer, since that may count a miss. */
export function faultAnswer<R, F>(fallback: F, onFault: (() => R) | undefined): R | F {
  return onFault ? onFault() : fallback;
}

export function identity<T>(value: T): T {
  return value;
}

export function confirmed(): true {
  return true;
}

export function rethrow(error: unknown): never {
  throw error;
}
