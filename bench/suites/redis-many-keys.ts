import Redis from 'ioredis';
import { resolveCacheOptions } from '../../src/startup/cache-options';
import { redisClientOptions } from '../../src/stores/redis-client.factory';
import { AnswerCheck } from '../support/answer-check';
import { startCacheContext } from '../support/cache-app';
import { payload } from '../support/payload';
import { measureInRounds } from '../support/rounds';
import { makeRow, type Row } from '../support/row';
import type { BenchSettings } from '../support/settings';

const SECTION = 'Redis, 1000 keys per call, one call at a time';
const KEYS = 1000;
const TTL_MS = 300_000;

/** getMany and setMany of 1000 keys against one MGET and one pipeline of SETs on raw ioredis. */
export async function redisManyKeysRows(port: number, settings: BenchSettings): Promise<Row[]> {
  const redis = { host: '127.0.0.1', port };
  const ours = await startCacheContext({ backend: 'redis', redis });
  const raw = new Redis(redisClientOptions(resolveCacheOptions({ backend: 'redis', redis }).redis));
  await raw.connect();
  try {
    const names = Array.from({ length: KEYS }, (_, i) => `many:${i}`);
    const rawNames = names.map((name) => `raw:${name}`);
    const entries: Record<string, unknown> = Object.fromEntries(names.map((name, i) => [name, payload(i)]));
    await ours.cache.setMany(entries);
    await setPipelined(
      raw,
      rawNames,
      names.map((name) => JSON.stringify(entries[name])),
    );

    const check = new AnswerCheck();
    const allFound = (count: number): boolean => count === KEYS;
    const measured = await measureInRounds(
      [
        {
          name: 'ours getMany',
          opsPerCall: 1,
          run: () =>
            check.expect(
              'ours getMany',
              ours.cache.getMany(names).then((found) => Object.keys(found).length),
              allFound,
            ),
        },
        {
          name: 'raw mget',
          opsPerCall: 1,
          run: () =>
            check.expect(
              'raw mget',
              raw
                .mget(rawNames)
                .then((texts) => texts.filter((text) => text !== null).map((text) => JSON.parse(text)).length),
              allFound,
            ),
        },
        {
          name: 'ours setMany',
          opsPerCall: 1,
          run: () => check.expect('ours setMany', ours.cache.setMany(entries), (ok) => ok),
        },
        {
          name: 'raw pipeline',
          opsPerCall: 1,
          run: () =>
            check.expect(
              'raw pipeline',
              setPipelined(
                raw,
                rawNames,
                names.map((name) => JSON.stringify(entries[name])),
              ).then(() => true),
              (ok) => ok,
            ),
        },
      ],
      settings.rounds,
    );
    return [
      makeRow({
        section: SECTION,
        measurement: 'CacheManagerService.getMany(1000 keys)',
        unit: 'ms',
        ours: measured.ms('ours getMany'),
        baselineName: 'raw MGET + JSON.parse of each value',
        baseline: measured.ms('raw mget'),
        cpuUs: { ours: measured.cpuUs('ours getMany'), baseline: measured.cpuUs('raw mget') },
        minSpeed: 1 / 1.5,
        targetText: 'time ≤ 1.5× (speed ≥ 0.67×)',
        problem: check.problem('ours getMany', 'raw mget'),
      }),
      makeRow({
        section: SECTION,
        measurement: 'CacheManagerService.setMany(1000 keys)',
        unit: 'ms',
        ours: measured.ms('ours setMany'),
        baselineName: 'raw pipeline of 1000 SET PX + JSON.stringify of each value',
        baseline: measured.ms('raw pipeline'),
        cpuUs: { ours: measured.cpuUs('ours setMany'), baseline: measured.cpuUs('raw pipeline') },
        problem: check.problem('ours setMany', 'raw pipeline'),
      }),
    ];
  } finally {
    await ours.context.close();
    raw.disconnect();
  }
}

async function setPipelined(client: Redis, keys: string[], texts: string[]): Promise<void> {
  const pipeline = client.pipeline();
  for (let i = 0; i < keys.length; i++) pipeline.set(keys[i], texts[i], 'PX', TTL_MS);
  const results = (await pipeline.exec()) ?? [];
  const failure = results.find(([error]) => error);
  if (failure) throw failure[0] as Error;
}
