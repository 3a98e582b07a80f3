import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import Redis from 'ioredis';
import { resolveCacheOptions } from '../../src/config/resolve-cache-options';
import { redisClientOptions } from '../../src/stores/redis-client.factory';
import { RedisTestServer } from '../../test/helpers/redis-server';
import { busLive } from '../support/bus-live';
import { startCacheContext } from '../support/cache-app';
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

const PATHS = ['redis-get', 'redis-set', 'raw-get', 'raw-set', 'getmany', 'raw-mget', 'locmem-get', 'locmem-set', 'hybrid-get', 'hybrid-set'] as const;
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
  const { cache, context } = await startCacheContext(options);
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
  let next = 0;
  const op: Record<HotPath, () => Promise<unknown>> = {
    'redis-get': () => cache.get(keys[next++ % keys.length]),
    'redis-set': () => cache.set(keys[next % keys.length], values[next++ % keys.length]),
    'raw-get': () => raw.get(keys[next++ % keys.length]).then((text) => text && JSON.parse(text)),
    'raw-set': () => raw.set(keys[next % keys.length], JSON.stringify(values[next++ % keys.length]), 'PX', 300_000),
    getmany: () => cache.getMany(many),
    'raw-mget': () => raw.mget(many).then((texts) => texts.map((text) => text && JSON.parse(text))),
    'locmem-get': () => cache.get(keys[next++ % keys.length]),
    'locmem-set': () => cache.set(keys[next % keys.length], values[next++ % keys.length]),
    // The prefill above left every key in L1: these are L1 hits.
    'hybrid-get': () => cache.get(keys[next++ % keys.length]),
    'hybrid-set': () => cache.set(keys[next % keys.length], values[next++ % keys.length]),
  };
  const inFlight = path === 'getmany' || path === 'raw-mget' || path.startsWith('locmem') ? 1 : 100;
  await withInFlight(inFlight, 20_000, op[path]);
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
  await session.post('Profiler.start');
  const started = Date.now();
  let done = 0;
  while (Date.now() - started < seconds * 1000) {
    await withInFlight(inFlight, 2000, op[path]);
    done += 2000;
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
