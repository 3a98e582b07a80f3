import Redis from 'ioredis';
import { resolveCacheOptions } from '../../src/startup/cache-options';
import { redisClientOptions } from '../../src/stores/redis-client.factory';

/** Raw ioredis 6 with the client options the module builds (auto-pipelining on): the main baseline of every Redis row. */
export async function connectRawIoredis(host: string, port: number): Promise<Redis> {
  const client = new Redis(redisClientOptions(resolveCacheOptions({ backend: 'redis', redis: { host, port } }).redis));
  await client.connect();
  return client;
}

/** A GET plus the JSON.parse that turns the text back into the value, which every cache client pays. */
export function rawGetJson(client: Redis, key: string): Promise<unknown> {
  return client.get(key).then((text) => (text === null ? undefined : JSON.parse(text)));
}
