import Redis from 'ioredis';
import { createIoredisYetCache } from '../baselines/ioredis-yet';
import { connectRawIoredis, rawGetJson } from '../baselines/raw-ioredis';
import { AnswerCheck } from '../support/answer-check';
import { startCacheContext } from '../support/cache-app';
import { KEY_SPACE, payload } from '../support/payload';
import { type Contender, measureInRounds, withInFlight } from '../support/rounds';
import { makeRow, perSecond, type Row } from '../support/row';
import type { BenchSettings } from '../support/settings';

const SECTION = 'Redis, one key per call, 100 in flight';
/** The module's default timeout (300 s), applied to the baselines as well. */
const TTL_MS = 300_000;

/**
 * get and set through CacheManagerService against raw ioredis with the module's own
 * client options, against the stack the Nest docs lead to, and against the module with
 * auto-pipelining switched off (which decides the default).
 */
export async function redisSingleKeyRows(port: number, settings: BenchSettings): Promise<Row[]> {
  // The module's defaults, command bound included: the bound's cost grows with its length
  // (measured in the time-bound rows), so a longer one would misstate production.
  const redis = { host: '127.0.0.1', port };
  const ours = await startCacheContext({ backend: 'redis', redis });
  const oursUnpipelined = await startCacheContext({ backend: 'redis', redis: { ...redis, autoPipelining: false } });
  const raw = await connectRawIoredis(redis.host, redis.port);
  // What most apps run: ioredis as constructed with no options (no auto-pipelining).
  const rawDefault = new Redis(redis.port, redis.host);
  const yet = await createIoredisYetCache(redis.host, redis.port);
  try {
    const values = Array.from({ length: KEY_SPACE }, (_, i) => payload(i));
    // Each stack writes its own keys, so every get below is a hit.
    for (let i = 0; i < KEY_SPACE; i++) {
      await ours.cache.set(`item:${i}`, values[i]);
      await raw.set(`raw:item:${i}`, JSON.stringify(values[i]), 'PX', TTL_MS);
      await rawDefault.set(`rawd:item:${i}`, JSON.stringify(values[i]), 'PX', TTL_MS);
      await yet.cache.set(`yet:item:${i}`, values[i], TTL_MS);
    }
    const batch = (op: (i: number) => Promise<unknown>): (() => Promise<void>) => {
      let next = 0;
      return () => withInFlight(settings.inFlight, settings.batch, () => op(next++ % KEY_SPACE));
    };
    const contender = (name: string, op: (i: number) => Promise<unknown>): Contender => ({
      name,
      opsPerCall: settings.batch,
      run: batch(op),
    });

    const checks = { get: new AnswerCheck(), set: new AnswerCheck() };
    const found = (value: unknown): boolean => value !== undefined && value !== null;
    const get = await measureInRounds(
      [
        contender('ours', (i) => checks.get.expect('ours', ours.cache.get(`item:${i}`), found)),
        contender('raw', (i) => checks.get.expect('raw', rawGetJson(raw, `raw:item:${i}`), found)),
        contender('raw default', (i) =>
          checks.get.expect('raw default', rawGetJson(rawDefault, `rawd:item:${i}`), found),
        ),
        contender('ours unpipelined', (i) =>
          checks.get.expect('ours unpipelined', oursUnpipelined.cache.get(`item:${i}`), found),
        ),
        contender('yet', (i) => checks.get.expect('yet', yet.cache.get(`yet:item:${i}`), found)),
      ],
      settings.rounds,
    );
    const set = await measureInRounds(
      [
        contender('ours', (i) => checks.set.expect('ours', ours.cache.set(`item:${i}`, values[i]), (ok) => ok)),
        contender('raw', (i) =>
          checks.set.expect(
            'raw',
            raw.set(`raw:item:${i}`, JSON.stringify(values[i]), 'PX', TTL_MS),
            (ok) => ok === 'OK',
          ),
        ),
        contender('raw default', (i) =>
          checks.set.expect(
            'raw default',
            rawDefault.set(`rawd:item:${i}`, JSON.stringify(values[i]), 'PX', TTL_MS),
            (ok) => ok === 'OK',
          ),
        ),
        contender('ours unpipelined', (i) =>
          checks.set.expect('ours unpipelined', oursUnpipelined.cache.set(`item:${i}`, values[i]), (ok) => ok),
        ),
        contender('yet', (i) => checks.set.expect('yet', yet.cache.set(`yet:item:${i}`, values[i], TTL_MS), found)),
      ],
      settings.rounds,
    );

    const rows: Row[] = [];
    for (const [operation, measured, check] of [
      ['get', get, checks.get],
      ['set', set, checks.set],
    ] as const) {
      const of = (name: string): number[] => perSecond(measured.ms(name));
      const cpuUs = (ours: string, baseline: string) => ({
        ours: measured.cpuUs(ours),
        baseline: measured.cpuUs(baseline),
      });
      rows.push(
        makeRow({
          section: SECTION,
          measurement: `CacheManagerService.${operation}`,
          unit: 'ops/s',
          ours: of('ours'),
          baselineName: 'raw ioredis 6, same client options (auto-pipelining on)',
          baseline: of('raw'),
          minSpeed: operation === 'get' ? 0.95 : 0.9,
          problem: check.problem('ours', 'raw'),
          cpuUs: cpuUs('ours', 'raw'),
        }),
        makeRow({
          section: SECTION,
          measurement: `CacheManagerService.${operation}`,
          unit: 'ops/s',
          ours: of('ours'),
          baselineName: 'raw ioredis 6, its default options (new Redis(port, host))',
          baseline: of('raw default'),
          minSpeed: operation === 'get' ? 0.95 : 0.9,
          problem: check.problem('ours', 'raw default'),
          cpuUs: cpuUs('ours', 'raw default'),
        }),
        makeRow({
          section: SECTION,
          measurement: `CacheManagerService.${operation}`,
          unit: 'ops/s',
          ours: of('ours'),
          baselineName: 'cache-manager 7 + cache-manager-ioredis-yet 2.1.2 (ioredis 5, its defaults)',
          baseline: of('yet'),
          minSpeed: 2,
          problem: check.problem('ours', 'yet'),
          cpuUs: cpuUs('ours', 'yet'),
        }),
        makeRow({
          section: SECTION,
          measurement: `CacheManagerService.${operation}, auto-pipelining on (the default)`,
          unit: 'ops/s',
          ours: of('ours'),
          baselineName: 'the same with REDIS_AUTO_PIPELINING=false',
          baseline: of('ours unpipelined'),
          note: 'decides the default',
          problem: check.problem('ours', 'ours unpipelined'),
          cpuUs: cpuUs('ours', 'ours unpipelined'),
        }),
      );
    }
    return rows;
  } finally {
    await ours.context.close();
    await oursUnpipelined.context.close();
    await yet.close();
    raw.disconnect();
    rawDefault.disconnect();
  }
}
