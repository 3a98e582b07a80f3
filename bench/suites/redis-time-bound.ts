import Redis from 'ioredis';
import { defaultCacheOptions } from '../../src/config/cache-defaults';
import { resolveCacheOptions } from '../../src/config/resolve-cache-options';
import { withinBound } from '../../src/resilience/call-deadline';
import { redisClientOptions } from '../../src/stores/redis-client.factory';
import { AnswerCheck } from '../support/answer-check';
import { KEY_SPACE, payload } from '../support/payload';
import { type Contender, measureInRounds, withInFlight } from '../support/rounds';
import { makeRow, perSecond, type Row } from '../support/row';
import type { BenchSettings } from '../support/settings';

const SECTION = 'The time bound on every Redis call: raw GET bounded and unbounded, 100 in flight';

/**
 * What the time bound on every Redis call costs: the same raw GET bounded the way
 * GuardedStore bounds it (a timer per call, cleared when the call settles) and not at all.
 */
export async function redisTimeBoundRows(port: number, settings: BenchSettings): Promise<Row[]> {
  const raw = new Redis(redisClientOptions(resolveCacheOptions({ backend: 'redis', redis: { host: '127.0.0.1', port } }).redis));
  await raw.connect();
  try {
    for (let i = 0; i < KEY_SPACE; i++) await raw.set(`bound:${i}`, JSON.stringify(payload(i)));
    const boundMs = defaultCacheOptions().redis.commandTimeoutMs;
    const check = new AnswerCheck();
    const found = (text: string | null): boolean => text !== null;
    const contender = (name: string, wrap: (call: Promise<string | null>) => Promise<string | null>): Contender => {
      let next = 0;
      return {
        name,
        opsPerCall: settings.batch,
        run: () => withInFlight(settings.inFlight, settings.batch, () => check.expect(name, wrap(raw.get(`bound:${next++ % KEY_SPACE}`)), found)),
      };
    };
    const measured = await measureInRounds(
      [
        contender('bound', (call) => withinBound(call, boundMs)),
        contender('none', (call) => call),
      ],
      settings.rounds,
    );
    return [
      makeRow({
        section: SECTION,
        measurement: `GET bounded by a timer per call (${boundMs} ms), as GuardedStore does`,
        unit: 'ops/s',
        ours: perSecond(measured.ms('bound')),
        baselineName: 'the same GET with no bound',
        baseline: perSecond(measured.ms('none')),
        cpuUs: { ours: measured.cpuUs('bound'), baseline: measured.cpuUs('none') },
        problem: check.problem('bound', 'none'),
      }),
    ];
  } finally {
    raw.disconnect();
  }
}
