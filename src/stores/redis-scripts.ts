import type Redis from 'ioredis';
import type { RedisClient } from './redis-topology-client';

// INCRBY on a missing key would create it; Django's incr (and ours) requires it to exist.
// Redis counts to 2^63 but a JS number is exact only to 2^53: a step past that is undone
// inside the script (so it stays atomic) and refused, as the in-process store refuses it.
// The result goes back as a bulk string: ioredis 6.0.0 decodes integer replies as
// `n * 10 + byte - 48`, which rounds once n * 10 passes 2^53 (an INCRBY that reached
// 9007199254740991 was answered as 9007199254740992).
const INCR_EXISTING = `if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if n > 9007199254740991 or n < -9007199254740991 then
  redis.call('DECRBY', KEYS[1], ARGV[1])
  return redis.error_reply('ERR result would be out of range for a JS safe integer')
end
return redis.call('GET', KEYS[1])`;
// PERSIST answers 0 both for "absent" and "had no expiry", so check existence first.
const PERSIST_EXISTING = `if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PERSIST', KEYS[1]) return 1 end return 0`;

// GET and DEL in one script, so no other client can change the key between the compare and the delete.
const DELETE_IF_EQUALS = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

// The value and its remaining lifetime in one round trip, atomically: the hybrid's L1 must
// never keep an entry longer than Redis does.
const GET_WITH_TTL = `local v = redis.call('GET', KEYS[1]) if not v then return false end return {v, redis.call('PTTL', KEYS[1])}`;

/** The RedisStore's client, with the scripts above as commands. */
export interface ScriptedRedis extends Redis {
  incrExisting(key: string, delta: number): Promise<number | null>;
  persistExisting(key: string): Promise<number>;
  deleteIfEquals(key: string, value: string | Buffer): Promise<number>;
  getWithTtl(key: string): Promise<[string, number] | null>;
  /** ioredis adds a Buffer variant of every defined command: bulk replies as Buffers. */
  getWithTtlBuffer(key: string): Promise<[Buffer, number] | null>;
}

/** Defines the scripts as commands on the client, once, when the store is built. */
export function defineScripts(client: RedisClient): void {
  client.defineCommand('incrExisting', { numberOfKeys: 1, lua: INCR_EXISTING });
  client.defineCommand('persistExisting', { numberOfKeys: 1, lua: PERSIST_EXISTING });
  client.defineCommand('deleteIfEquals', { numberOfKeys: 1, lua: DELETE_IF_EQUALS });
  client.defineCommand('getWithTtl', { numberOfKeys: 1, lua: GET_WITH_TTL });
}
