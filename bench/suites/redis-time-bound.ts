import Redis from 'ioredis';
import { defaultCacheOptions } from '../../src/config/cache-defaults';
import { resolveCacheOptions } from '../../src/startup/cache-options';
import { DeadlineQueue } from '../../src/resilience/deadline-queue';
import { redisClientOptions } from '../../src/stores/redis-client.factory';
import { AnswerCheck } from '../support/answer-check';
import { KEY_SPACE, payload } from '../support/payload';
import { type Contender, measureInRounds, withInFlight } from '../support/rounds';
import { makeRow, perSecond, type Row } from '../support/row';
import type { BenchSettings } from '../support/settings';

const SECTION = 'The time bound on every Redis call: raw GET bounded three ways, 100 in flight';

/**
 * What the time bound on every Redis call costs: the same raw GET bounded the way
 * GuardedStore bounds it (a DeadlineQueue), by a setTimeout per call, and not at all.
 */
export async function redisTimeBoundRows(port: number, settings: BenchSettings): Promise<Row[]> {
  const raw = new Redis(
    redisClientOptions(resolveCacheOptions({ backend: 'redis', redis: { host: '127.0.0.1', port } }).redis),
  );
  await raw.connect();
  try {
    for (let i = 0; i < KEY_SPACE; i++) await raw.set(`bound:${i}`, JSON.stringify(payload(i)));
    const boundMs = defaultCacheOptions().redis.commandTimeoutMs;
    const queue = new DeadlineQueue(boundMs);
    const check = new AnswerCheck();
    const found = (text: string | null): boolean => text !== null;
    const contender = (name: string, wrap: (call: Promise<string | null>) => Promise<string | null>): Contender => {
      let next = 0;
      return {
        name,
        opsPerCall: settings.batch,
        run: () =>
          withInFlight(settings.inFlight, settings.batch, () =>
            check.expect(name, wrap(raw.get(`bound:${next++ % KEY_SPACE}`)), found),
          ),
      };
    };
    const measured = await measureInRounds(
      [
        contender('bound', (call) => queue.settle(call, pass, rethrow)),
        contender('timer', (call) => boundByTimer(call, boundMs)),
        contender('none', (call) => call),
      ],
      settings.rounds,
    );
    const row = (baseline: 'timer' | 'none', baselineName: string): Row =>
      makeRow({
        section: SECTION,
        measurement: `GET bounded by DeadlineQueue (${boundMs} ms), as GuardedStore does`,
        unit: 'ops/s',
        ours: perSecond(measured.ms('bound')),
        baselineName,
        baseline: perSecond(measured.ms(baseline)),
        cpuUs: { ours: measured.cpuUs('bound'), baseline: measured.cpuUs(baseline) },
        problem: check.problem('bound', baseline),
      });
    return [
      row('timer', `the same GET bounded by a setTimeout per call (${boundMs} ms)`),
      row('none', 'the same GET with no bound'),
    ];
  } finally {
    raw.disconnect();
  }
}

function pass<T>(value: T): T {
  return value;
}

function rethrow(error: unknown): never {
  throw error;
}

function boundByTimer<T>(call: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    call.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
