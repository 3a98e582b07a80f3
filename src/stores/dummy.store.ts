import type { CacheStore } from './cache-store';

/** Stores nothing, like Django's DummyCache: every read misses, every write "succeeds". */
export class DummyStore implements CacheStore {
  readonly remote = false;

  async get(): Promise<string | undefined> {
    return undefined;
  }
  async getMany(keys: string[]): Promise<(string | undefined)[]> {
    return keys.map(() => undefined);
  }
  async set(): Promise<void> {}
  async add(): Promise<boolean> {
    return true;
  }
  async setMany(): Promise<void> {}
  async delete(): Promise<boolean> {
    return false;
  }
  async deleteIfEquals(): Promise<boolean> {
    return false;
  }
  async deleteMany(): Promise<number> {
    return 0;
  }
  async exists(): Promise<boolean> {
    return false;
  }
  async incrBy(): Promise<number | null> {
    return null;
  }
  async touch(): Promise<boolean> {
    return false;
  }
  async ttlMs(): Promise<number | null | undefined> {
    return undefined;
  }
  async clear(): Promise<number> {
    return 0;
  }
  async ping(): Promise<void> {}
  describe(): Record<string, unknown> {
    return { backendClass: 'DummyStore' };
  }
  async close(): Promise<void> {}
}
