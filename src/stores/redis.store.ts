import type Redis from 'ioredis';
import type { RedisConnectionOptions } from '../config/cache-options';
import { type CacheStore, NotAnIntegerError } from './cache-store';

// INCRBY on a missing key would create it; Django's incr (and ours) requires it to exist.
const INCR_EXISTING = `if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end return false`;
// PERSIST answers 0 both for "absent" and "had no expiry", so check existence first.
const PERSIST_EXISTING = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PERSIST', KEYS[1]) return 1 end return 0`;

const CLEAR_BATCH = 1000;

interface ScriptedRedis extends Redis {
  incrExisting(key: string, delta: number): Promise<number | null>;
  persistExisting(key: string): Promise<number>;
}

/** Redis on ioredis. The client is created and owned by this store. */
export class RedisStore implements CacheStore {
  readonly remote = true;
  private readonly client: ScriptedRedis;

  constructor(
    client: Redis,
    private readonly connection: RedisConnectionOptions,
  ) {
    client.defineCommand('incrExisting', { numberOfKeys: 1, lua: INCR_EXISTING });
    client.defineCommand('persistExisting', { numberOfKeys: 1, lua: PERSIST_EXISTING });
    this.client = client as ScriptedRedis;
    // Without an 'error' listener, ioredis turns every failed reconnect into an uncaught exception.
    client.on('error', (error: unknown) => this.errorListener(error));
  }

  private errorListener: (error: unknown) => void = () => undefined;

  onBackgroundError(listener: (error: unknown) => void): void {
    this.errorListener = listener;
  }

  onReady(listener: () => void): void {
    this.client.on('ready', listener);
  }

  reset(): void {
    if (this.client.status !== 'end') this.client.disconnect(true);
  }

  get isReady(): boolean {
    return this.client.status === 'ready';
  }

  /** Opens the connection; resolves when Redis answers, rejects with the connection error. */
  async connect(): Promise<void> {
    if (this.client.status === 'wait') await this.client.connect();
    else if (this.client.status !== 'ready') await new Promise<void>((resolve, reject) => {
      this.client.once('ready', resolve);
      this.client.once('error', reject);
    });
  }

  /** The ioredis client, for connection events; cache operations go through the store methods. */
  get redis(): Redis {
    return this.client;
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.client.get(key)) ?? undefined;
  }

  async getMany(keys: string[]): Promise<(string | undefined)[]> {
    const values = await this.client.mget(keys);
    return values.map((value) => value ?? undefined);
  }

  async set(key: string, value: string, ttlMs: number | null): Promise<void> {
    if (ttlMs === null) await this.client.set(key, value);
    else await this.client.set(key, value, 'PX', ttlMs);
  }

  async add(key: string, value: string, ttlMs: number | null): Promise<boolean> {
    const reply = ttlMs === null ? await this.client.set(key, value, 'NX') : await this.client.set(key, value, 'PX', ttlMs, 'NX');
    return reply === 'OK';
  }

  async setMany(entries: [string, string][], ttlMs: number | null): Promise<void> {
    if (ttlMs === null) {
      await this.client.mset(entries.flat());
      return;
    }
    const pipeline = this.client.pipeline();
    for (const [key, value] of entries) pipeline.set(key, value, 'PX', ttlMs);
    const results = (await pipeline.exec()) ?? [];
    const failure = results.find(([error]) => error);
    if (failure) throw failure[0];
  }

  async delete(key: string): Promise<boolean> {
    return (await this.client.del(key)) > 0;
  }

  async deleteMany(keys: string[]): Promise<number> {
    return this.client.del(keys);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.client.exists(key)) === 1;
  }

  async incrBy(key: string, delta: number): Promise<number | null> {
    try {
      const result = await this.client.incrExisting(key, delta);
      return result === null ? null : Number(result);
    } catch (error) {
      if (error instanceof Error && /not an integer|out of range|overflow/i.test(error.message)) {
        throw new NotAnIntegerError('stored value is not an integer');
      }
      throw error;
    }
  }

  async touch(key: string, ttlMs: number | null): Promise<boolean> {
    if (ttlMs === null) return (await this.client.persistExisting(key)) === 1;
    return (await this.client.pexpire(key, ttlMs)) === 1;
  }

  async ttlMs(key: string): Promise<number | null | undefined> {
    const ms = await this.client.pttl(key);
    if (ms === -2) return undefined;
    if (ms === -1) return null;
    return ms;
  }

  async clear(keyPrefix: string): Promise<number> {
    const match = `${escapeGlob(keyPrefix)}*`;
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', match, 'COUNT', CLEAR_BATCH);
      cursor = next;
      if (keys.length > 0) deleted += await this.client.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  }

  async ping(): Promise<void> {
    await this.client.ping();
  }

  describe(): Record<string, unknown> {
    return {
      backendClass: 'RedisStore',
      redisHost: this.connection.host,
      redisPort: this.connection.port,
      redisDb: this.connection.db,
      connection: this.client.status,
    };
  }

  async close(): Promise<void> {
    if (this.client.status === 'end') return;
    // QUIT waits for Redis; during an outage it would never answer, so bound it and then cut the socket.
    const quit = this.client.status === 'ready' ? this.client.quit().catch(() => undefined) : Promise.resolve();
    await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, 300).unref())]);
    this.client.disconnect(false);
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
