import { randomUUID } from 'node:crypto';

export type LockAttempt =
  | { kind: 'acquired'; owner: string; release: () => Promise<void> }
  /** Another process holds it; `owner` names that holder's attempt, when it could be read. */
  | { kind: 'held'; owner?: string }
  /** The cache does not answer: there is nobody to coordinate with. */
  | { kind: 'unavailable' };

/** The cache calls a lock needs: CacheManagerService for a key of the app's, the service's own port for a reserved `~lock:` key. */
export interface LockStore {
  /** `timeout` in seconds. */
  add(key: string, value: unknown, timeout?: number | null): Promise<boolean>;
  get<T = unknown>(key: string): Promise<T | undefined>;
  deleteIfEquals(key: string, expected: unknown): Promise<boolean>;
}

/**
 * A short lock shared by every process on one cache: SET NX PX with a random owner token,
 * released with compare-and-delete so a holder whose lock already expired never removes
 * the lock of the next owner. A holder that dies blocks the others only until `ttlMs`.
 */
export class FleetLock {
  constructor(
    private readonly cache: LockStore,
    private readonly key: string,
    private readonly ttlMs: number,
  ) {}

  async tryAcquire(): Promise<LockAttempt> {
    const owner = randomUUID();
    // A failed `add` means "taken" or "cache fault"; only a read of the lock tells them
    // apart (undefined = absent or fault). A lock released in between gets a second chance.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (await this.cache.add(this.key, owner, this.ttlMs / 1000)) {
        return {
          kind: 'acquired',
          owner,
          release: () => this.cache.deleteIfEquals(this.key, owner).then(() => undefined),
        };
      }
      const holder = await this.cache.get<unknown>(this.key);
      if (holder !== undefined) return { kind: 'held', owner: typeof holder === 'string' ? holder : undefined };
    }
    return { kind: 'unavailable' };
  }
}
