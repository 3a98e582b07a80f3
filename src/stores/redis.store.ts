import type Redis from 'ioredis';
import { Cluster } from 'ioredis';
import type { RedisConnectionOptions } from '../config/cache-options';
import type { KeyChangeFeed } from './key-change-feed';
import { type CacheStore, NotAnIntegerError } from './cache-store';
import { chunked } from './redis-batch-limits';
import { RedisBatches } from './redis-batches';
import { defineScripts, type ScriptedRedis } from './redis-scripts';
import { clearClusterMasters, type NodeCensus, pingClusterNodes } from './redis-cluster-nodes';
import type { RedisClient } from './redis-topology-client';
import { describeTopology, resolveRedisTopology, type RedisTopology } from './redis-topology';

const CLEAR_BATCH = 1000;

/** A stored text and the milliseconds it has left (null: it never expires). */
export type TextWithTtl = [text: string, ttlMs: number | null];

export interface RedisStoreSettings {
  /**
   * Values are bytes carried one character per byte (latin1), as the django value format
   * stores pickles: written as Buffers and read with ioredis's Buffer commands, since
   * ioredis sends a JS string as UTF-8 and decodes replies as UTF-8. Keys stay UTF-8.
   * Off (the json format), every call takes the plain string path.
   */
  binaryValues?: boolean;
}

/** Redis on ioredis. The client is created and owned by this store. */
export class RedisStore implements CacheStore {
  readonly remote = true;
  private readonly client: ScriptedRedis;
  /** Set on a Redis Cluster, where multi-key commands, clear() and ping() take the per-slot and per-node paths. */
  private readonly cluster: Cluster | undefined;
  private readonly topology: RedisTopology;
  private census: NodeCensus | undefined;
  private feed: (KeyChangeFeed & { close(): Promise<void> }) | undefined;

  private readonly binaryValues: boolean;
  private readonly batches: RedisBatches;

  constructor(
    client: RedisClient,
    private readonly connection: RedisConnectionOptions,
    /** For a client shared with other caches: true when this store was its last user, who closes it. */
    private readonly releaseClient: () => boolean = () => true,
    settings: RedisStoreSettings = {},
  ) {
    this.binaryValues = settings.binaryValues === true;
    this.cluster = client instanceof Cluster ? client : undefined;
    this.topology = resolveRedisTopology(connection);
    defineScripts(client);
    // A Cluster speaks the same single-key commands as Redis; the Lua scripts take one key, so they run on any node.
    this.client = client as ScriptedRedis;
    this.batches = new RedisBatches(this.client, this.cluster !== undefined);
    // Without an 'error' listener, ioredis turns every failed reconnect into an uncaught exception.
    client.on('error', (error: unknown) => this.errorListener(error));
    // A cluster reports a lost node here, not as 'error'.
    this.cluster?.on('node error', (error: unknown) => this.errorListener(error));
  }

  private errorListener: (error: unknown) => void = () => undefined;

  /** Set once, at creation, by createStore; closed with this store. */
  attachChangeFeed(feed: KeyChangeFeed & { close(): Promise<void> }): void {
    this.feed = feed;
  }

  get changeFeed(): KeyChangeFeed | undefined {
    return this.feed;
  }

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
    else if (this.client.status !== 'ready')
      await new Promise<void>((resolve, reject) => {
        this.client.once('ready', resolve);
        this.client.once('error', reject);
      });
  }

  /** The ioredis client, for connection events; cache operations go through the store methods. */
  get redis(): Redis {
    return this.client;
  }

  /** The client as what it is (a Cluster or a single connection), for a second connection of the same kind. */
  get underlyingClient(): RedisClient {
    return this.cluster ?? this.client;
  }

  /** True on a Redis Cluster, where commands for different keys travel different connections. */
  get isCluster(): boolean {
    return this.cluster !== undefined;
  }

  /** The text and its remaining lifetime; undefined when absent. */
  async getWithTtl(key: string): Promise<TextWithTtl | undefined> {
    const reply = this.binaryValues
      ? latin1Reply(await this.client.getWithTtlBuffer(key))
      : await this.client.getWithTtl(key);
    if (reply === null) return undefined;
    const [text, ttl] = reply;
    // -1: no expiry. Anything else not positive cannot come from the script (it ran atomically with the GET).
    return [text, ttl === -1 ? null : Number(ttl)];
  }

  /**
   * getWithTtl for many keys: one script call per key, all sent before any reply is
   * awaited (one round trip per node), MAX_KEYS_PER_COMMAND at a time.
   */
  async getManyWithTtl(keys: string[]): Promise<(TextWithTtl | undefined)[]> {
    const found: (TextWithTtl | undefined)[] = [];
    for (const piece of chunked(keys)) found.push(...(await Promise.all(piece.map((key) => this.getWithTtl(key)))));
    return found;
  }

  publish(channel: string, message: string): Promise<unknown> {
    return this.client.publish(channel, message);
  }

  get(key: string): Promise<string | null> {
    if (this.binaryValues)
      return this.client.getBuffer(key).then((bytes) => (bytes === null ? null : bytes.toString('latin1')));
    return this.client.get(key);
  }

  getMany(keys: string[]): Promise<(string | undefined)[]> {
    return this.batches.getMany(keys, this.binaryValues);
  }

  // Not async on the hot path: each async layer costs a promise per call (docs/benchmarks.md).
  set(key: string, value: string, ttlMs: number | null): Promise<unknown> {
    const stored = this.binaryValues ? Buffer.from(value, 'latin1') : value;
    return ttlMs === null ? this.client.set(key, stored) : this.client.set(key, stored, 'PX', ttlMs);
  }

  async add(key: string, value: string, ttlMs: number | null): Promise<boolean> {
    const stored = this.binaryValues ? Buffer.from(value, 'latin1') : value;
    const reply =
      ttlMs === null ? await this.client.set(key, stored, 'NX') : await this.client.set(key, stored, 'PX', ttlMs, 'NX');
    return reply === 'OK';
  }

  /** Not async: every piece is queued before the caller's next call (redis-batches.ts). */
  setMany(texts: [string, string][], ttlMs: number | null): Promise<void> {
    const entries: [string, string | Buffer][] = this.binaryValues
      ? texts.map(([key, value]) => [key, Buffer.from(value, 'latin1')])
      : texts;
    return this.batches.setMany(entries, ttlMs);
  }

  async delete(key: string): Promise<boolean> {
    return (await this.client.del(key)) > 0;
  }

  async deleteIfEquals(key: string, value: string): Promise<boolean> {
    // Compared as stored: byte for byte.
    return (await this.client.deleteIfEquals(key, this.binaryValues ? Buffer.from(value, 'latin1') : value)) === 1;
  }

  deleteMany(keys: string[]): Promise<number> {
    return this.batches.deleteMany(keys);
  }

  async exists(key: string): Promise<boolean> {
    return (await this.client.exists(key)) === 1;
  }

  async incrBy(key: string, delta: number): Promise<number | null> {
    try {
      const result = await this.client.incrExisting(key, delta);
      return result === null ? null : Number(result);
    } catch (error) {
      if (error instanceof Error && /safe integer|overflow/i.test(error.message)) {
        throw new NotAnIntegerError('result is outside the safe integer range');
      }
      if (error instanceof Error && /not an integer|out of range/i.test(error.message)) {
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
    if (this.cluster) return clearClusterMasters(this.cluster, match, CLEAR_BATCH);
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', match, 'COUNT', CLEAR_BATCH);
      cursor = next;
      if (keys.length > 0) deleted += await this.client.unlink(...keys);
    } while (cursor !== '0');
    return deleted;
  }

  /** On a cluster, pings every node and fails if any master does not answer. */
  async ping(): Promise<void> {
    if (!this.cluster) {
      await this.client.ping();
      return;
    }
    const { census, failure } = await pingClusterNodes(this.cluster, this.connection.commandTimeoutMs);
    this.census = census;
    if (failure) throw failure;
  }

  nodeCensus(): NodeCensus | undefined {
    return this.census;
  }

  describe(): Record<string, unknown> {
    // Standalone: the server. Sentinel and Cluster: the first configured node; redisNodes lists them all.
    const first = this.topology.nodes[0];
    return {
      backendClass: 'RedisStore',
      redisHost: first.host,
      redisPort: first.port,
      // Redis Cluster has database 0 only.
      redisDb: this.cluster ? 0 : this.topology.db,
      ...describeTopology(this.topology),
      connection: this.client.status,
    };
  }

  async close(): Promise<void> {
    await this.feed?.close();
    if (!this.releaseClient()) return;
    if (this.client.status === 'end') return;
    // QUIT waits for Redis; during an outage it would never answer, so bound it and then cut the socket.
    const quit = this.client.status === 'ready' ? this.client.quit().catch(() => undefined) : Promise.resolve();
    await Promise.race([quit, new Promise((resolve) => setTimeout(resolve, 300).unref())]);
    this.client.disconnect(false);
  }
}

function latin1Reply(reply: [Buffer, number] | null): [string, number] | null {
  return reply === null ? null : [reply[0].toString('latin1'), reply[1]];
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
