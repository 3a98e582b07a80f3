import type { RedisOptions } from 'ioredis';
import type { RedisConnectionOptions } from '../config/cache-options';
import { createTopologyClient, type RedisClient } from './redis-topology-client';
import { resolveRedisTopology } from './redis-topology';

/**
 * ioredis options that keep every call short whatever Redis does. With ioredis defaults,
 * a get against a stopped Redis waited 10.5 s (ioredis 5) to 73 s (ioredis 6) before
 * failing, because commands queue offline while the client retries.
 */
export function redisClientOptions(options: RedisConnectionOptions): RedisOptions {
  return {
    host: options.host,
    port: options.port,
    db: options.db,
    password: options.password,
    lazyConnect: true,
    // Fail at once while disconnected instead of queueing: the guard turns that into a fallback.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: options.connectTimeoutMs,
    enableAutoPipelining: options.autoPipelining,
    // Reconnect quickly and keep trying forever: recovery must take under 2 s once Redis is back.
    retryStrategy: (attempt) => Math.min(50 * attempt, 500),
    reconnectOnError,
    keepAlive: 10_000,
    // disconnect() ends the socket and destroys it only after this delay, on a timer that
    // holds the process; with the default 2000 ms a process with Redis down or hung took
    // 2.3 s to exit after app.close().
    disconnectTimeout: 100,
  };
}

/**
 * READONLY means the node we are connected to was demoted (a managed Redis failing over
 * behind one DNS name or load balancer): the connection stays on the old node, and only a
 * new one reaches the new primary, so reconnect (1). Not 2, "reconnect and resend": with the offline queue off, a resend
 * during the reconnect would only fail again, with a less telling error. Every other error
 * (a wrong password, WRONGTYPE, OOM) would get the same answer on a new connection.
 */
function reconnectOnError(error: Error): 1 | false {
  return error.message.startsWith('READONLY') ? 1 : false;
}

/** A standalone, Sentinel or Cluster client, as the options describe, with the options above on every connection. */
export function createRedisClient(options: RedisConnectionOptions): RedisClient {
  return createTopologyClient(resolveRedisTopology(options), redisClientOptions(options));
}
