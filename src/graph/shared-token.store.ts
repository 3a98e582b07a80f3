import type { CacheManagerService } from '../service/cache-manager.service';
import type { HeldToken } from './graph-token.types';
import type { TokenEntryCodec } from './token-cache-entry';

/** A token read from the shared cache, with the value it has there (for a compare-and-delete). */
export interface SharedToken {
  token: HeldToken;
  stored: unknown;
}

/** The token entry every process of the fleet shares. A cache fault is a miss, never an error. */
export class SharedTokenStore {
  constructor(
    private readonly cache: CacheManagerService,
    private readonly key: string,
    private readonly codec: TokenEntryCodec,
    /** Told why an entry counts as a miss. */
    private readonly onProblem: (problem: string) => void,
  ) {}

  async read(): Promise<SharedToken | undefined> {
    // The TTL is read first, on purpose: if the entry is replaced in between, the value is
    // the newer entry and the TTL the older, shorter one, which can only shorten its life
    // here. The other order could lend an old token the life of its replacement.
    const ttl = await this.cache.ttl(this.key);
    const stored = await this.cache.get<unknown>(this.key);
    if (stored === undefined || stored === null) return undefined;
    const opened = this.codec.open(stored, ttl);
    if ('token' in opened) return { token: opened.token, stored };
    this.onProblem(opened.problem);
    return undefined;
  }

  /** Stores the token for as long as it may be handed out; returns the value it has in the cache. */
  async write(token: HeldToken): Promise<unknown> {
    const stored = this.codec.seal(token);
    await this.cache.set(this.key, stored, (token.usableUntil - Date.now()) / 1000);
    return stored;
  }

  /** Removes the entry only if it is still `stored`, so a replacement another process wrote survives. */
  async deleteIfStill(stored: unknown): Promise<void> {
    await this.cache.deleteIfEquals(this.key, stored);
  }

  async delete(): Promise<void> {
    await this.cache.delete(this.key);
  }

  /**
   * Removes the entry only if it holds `accessToken`. An encrypted entry differs from any
   * value this process could build (a fresh IV each time), so it is read, compared by its
   * token, and deleted only if its stored bytes are still the ones read: nothing is
   * encoded again, so an entry another writer stored costs no more to compare than to read.
   */
  async deleteIfHolds(accessToken: string): Promise<void> {
    const stored = await this.cache.getWithStoredText<unknown>(this.key);
    if (stored === undefined || stored.value === null) return;
    const opened = this.codec.open(stored.value);
    if ('token' in opened && opened.token.accessToken === accessToken)
      await this.cache.deleteIfStored(this.key, stored.text);
  }
}
