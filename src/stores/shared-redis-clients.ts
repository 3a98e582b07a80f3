import type { RedisConnectionOptions } from '../config/cache-options';
import { createRedisClient } from './redis-client.factory';
import type { RedisClient } from './redis-topology-client';

interface SharedClient {
  client: RedisClient;
  users: number;
}

/** Open clients by their connection settings: caches of one process with the same settings share one. */
const open = new Map<string, SharedClient>();

/**
 * The command connection for `options`: the one another cache of this process already
 * opened with exactly the same settings (server, database, credentials, TLS, bounds), or a
 * new one. Caches that differ in any setting (another database, say) get their own: a
 * connection speaks to one database. `release` says whether this was the last user, who
 * then closes it.
 */
export function acquireRedisClient(options: RedisConnectionOptions): { client: RedisClient; release: () => boolean } {
  const key = JSON.stringify(options);
  let shared = open.get(key);
  if (!shared || shared.client.status === 'end') {
    shared = { client: createRedisClient(options), users: 0 };
    open.set(key, shared);
  }
  shared.users++;
  const entry = shared;
  let released = false;
  return {
    client: entry.client,
    release: () => {
      if (released) return false;
      released = true;
      entry.users--;
      if (entry.users > 0) return false;
      if (open.get(key) === entry) open.delete(key);
      return true;
    },
  };
}
