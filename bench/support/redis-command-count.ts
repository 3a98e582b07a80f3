import type Redis from 'ioredis';
import { withInFlight } from './rounds';

/**
 * Commands that do not read or write keys: the bus (pub/sub and its heartbeats) and this
 * count's own INFO. What is left is every command a cache read or write sends.
 */
const NOT_KEY_COMMANDS = new Set([
  'info',
  'publish',
  'subscribe',
  'psubscribe',
  'unsubscribe',
  'punsubscribe',
  'ping',
  'client',
  'hello',
]);

/** Key commands the server has run since it started (INFO commandstats), whatever names a backend's reads and writes use. */
export async function keyCommandCount(client: Redis): Promise<number> {
  const info = await client.info('commandstats');
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (!NOT_KEY_COMMANDS.has(match[1].split('|')[0])) total += Number(match[2]);
  }
  return total;
}

/** Key commands Redis ran while `calls` operations ran, 100 at a time: what the operations cost the server. */
export async function keyCommandsDuring(
  client: Redis,
  calls: number,
  op: (n: number) => Promise<unknown>,
): Promise<number> {
  const before = await keyCommandCount(client);
  let next = 0;
  await withInFlight(100, calls, () => op(next++));
  return (await keyCommandCount(client)) - before;
}
