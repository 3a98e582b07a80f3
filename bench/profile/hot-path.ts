import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import Redis from 'ioredis';
import { resolveCacheOptions } from '../../src/startup/cache-options';
import { redisClientOptions } from '../../src/stores/redis-client.factory';
import { RedisTestServer } from '../../test/helpers/redis-server';
import { busLive } from '../support/bus-live';
import { startCacheContext } from '../support/cache-app';
import { startDecoratedApp } from '../support/decorated-app';
import { hybridCacheOptions } from '../support/hybrid-options';
import { payload } from '../support/payload';
import { withInFlight } from '../support/rounds';

/**
 * One hot path alone for a few seconds, with a CPU profile of the measured loop only (not
 * startup or prefill, which drown the hot path in a whole-process `node --cpu-prof`):
 *   node -r ./test/helpers/ts-register.js bench/profile/hot-path.ts redis-get [seconds]
 * writes .bench-tmp/redis-get.cpuprofile (open it in Chrome DevTools or VS Code).
 */
const PROFILE_DIR = join(__dirname, '..', '..', '.bench-tmp');
/** Microseconds between samples; the default 1 ms sees too little of a 10 µs call. */
const SAMPLING_INTERVAL_US = 100;

const PATHS = [
  'redis-get',
  'redis-set',
  'raw-get',
  'raw-set',
  'getmany',
  'raw-mget',
  'getorsetmany',
  'locmem-get',
  'locmem-set',
  'locmem-getorset',
  'locmem-cacheable',
  'hybrid-get',
  'hybrid-set',
  'redis-tagged-get',
  'hybrid-tagged-get',
] as const;
type HotPath = (typeof PATHS)[number];

async function main(): Promise<void> {
  const path = process.argv[2] as HotPath;
  if (!PATHS.includes(path)) throw new Error(`usage: hot-path.ts <${PATHS.join('|')}> [seconds]`);
  const seconds = Number(process.argv[3] ?? 5);
  const server = await RedisTestServer.start();
  const redis = { host: '127.0.0.1', port: server.port, commandTimeoutMs: 2000 };
  const hybrid = hybridCacheOptions(server.port);
  const options = path.startsWith('locmem')
    ? { backend: 'locmem' as const }
    : path.startsWith('hybrid')
      ? { ...hybrid, redis: { ...hybrid.redis, commandTimeoutMs: redis.commandTimeoutMs } }
      : { backend: 'redis' as const, redis };
  // locmem-cacheable: a provider's @Cacheable method, so the cache is the one its app hands to the provider.
  const decorated = path === 'locmem-cacheable' ? await startDecoratedApp({ backend: 'locmem' }) : undefined;
  const { cache, context } = decorated ?? (await startCacheContext(options));
  if (path.startsWith('hybrid')) await busLive(cache);
  const raw = new Redis(redisClientOptions(resolveCacheOptions({ backend: 'redis', redis }).redis));
  await raw.connect();
  const values = Array.from({ length: 5000 }, (_, i) => payload(i));
  const keys = values.map((_, i) => `item:${i}`);
  for (let i = 0; i < keys.length; i++) {
    await cache.set(keys[i], values[i]);
    await raw.set(keys[i], JSON.stringify(values[i]));
  }
  const many = keys.slice(0, 1000);
  // getorsetmany: half of `many` is missing at every call (deleted first, inside the profile: DEL of 500 keys is one command).
  const missingHalf = many.filter((_, i) => i % 2 === 1);
  const produce = (asked: string[]) => Object.fromEntries(asked.map((key) => [key, values[0]]));
  // *-tagged-get: the same values under tagged keys, two tags each; a first read fills the hybrid's L1.
  const tagged = keys.map((key) => `tagged:${key}`);
  if (path.endsWith('tagged-get')) {
    for (let i = 0; i < keys.length; i++)
      await cache.set(tagged[i], values[i], undefined, { tags: [`idea:${i % 100}`, `owner:${i % 10}`] });
    for (const key of tagged) await cache.get(key);
  }
  let next = 0;
  const op: Record<HotPath, () => Promise<unknown>> = {
    'redis-get': () => cache.get(keys[next++ % keys.length]),
    'redis-set': () => cache.set(keys[next % keys.length], values[next++ % keys.length]),
    'raw-get': () => raw.get(keys[next++ % keys.length]).then((text) => text && JSON.parse(text)),
    'raw-set': () => raw.set(keys[next % keys.length], JSON.stringify(values[next++ % keys.length]), 'PX', 300_000),
    getmany: () => cache.getMany(many),
    getorsetmany: () => cache.deleteMany(missingHalf).then(() => cache.getOrSetMany(many, produce)),
    'raw-mget': () => raw.mget(many).then((texts) => texts.map((text) => text && JSON.parse(text))),
    'locmem-get': () => cache.get(keys[next++ % keys.length]),
    'locmem-set': () => cache.set(keys[next % keys.length], values[next++ % keys.length]),
    'locmem-getorset': () => {
      const i = next++ % keys.length;
      return cache.getOrSet(keys[i], () => values[i]);
    },
    'locmem-cacheable': () => decorated!.repository.find(next++ % keys.length),
    // The prefill above left every key in L1: these are L1 hits.
    'hybrid-get': () => cache.get(keys[next++ % keys.length]),
    'hybrid-set': () => cache.set(keys[next % keys.length], values[next++ % keys.length]),
    'redis-tagged-get': () => cache.get(tagged[next++ % keys.length]),
    'hybrid-tagged-get': () => cache.get(tagged[next++ % keys.length]),
  };
  const inFlight =
    path === 'getmany' || path === 'raw-mget' || path === 'getorsetmany' || path.startsWith('locmem') ? 1 : 100;
  // A getOrSetMany call takes milliseconds: fewer of them warm up, and fewer make a batch.
  const batch = path === 'getorsetmany' ? 20 : 2000;
  await withInFlight(inFlight, batch * 10, op[path]);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
  await session.post('Profiler.start');
  const started = Date.now();
  let done = 0;
  while (Date.now() - started < seconds * 1000) {
    await withInFlight(inFlight, batch, op[path]);
    done += batch;
  }
  const elapsed = (Date.now() - started) / 1000;
  const { profile } = await session.post('Profiler.stop');
  session.disconnect();
  mkdirSync(PROFILE_DIR, { recursive: true });
  const file = join(PROFILE_DIR, `${path}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  console.log(`${path}: ${Math.round(done / elapsed)} ops/s; profile in ${file}`);
  raw.disconnect();
  await context.close();
  await server.stop();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
