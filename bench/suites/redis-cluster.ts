import { Cluster } from 'ioredis';
import { resolveCacheOptions } from '../../src/startup/cache-options';
import { createRedisClient } from '../../src/stores/redis-client.factory';
import { RedisClusterTest } from '../../test/helpers/redis-cluster';
import { AnswerCheck } from '../support/answer-check';
import { startCacheContext } from '../support/cache-app';
import { KEY_SPACE, payload } from '../support/payload';
import { type Contender, measureInRounds, withInFlight } from '../support/rounds';
import { makeRow, perSecond, type Row } from '../support/row';
import type { BenchSettings } from '../support/settings';

const SECTION = 'Redis Cluster (3 masters, on this machine), one key per call';
const TTL_MS = 300_000;
/** Few callers at once, as most processes have, and the many of the single-server rows. */
const IN_FLIGHT = [16, 100] as const;

/**
 * On a Cluster the module sends each command on its own, never auto-pipelined, because
 * ioredis 6's auto-pipeline misreads keys while a slot migrates (docs/scale-out.md). These
 * rows weigh what that choice costs or saves: raw ioredis with the module's cluster options,
 * against the same with auto-pipelining on; and the module against the raw client it uses.
 */
export async function redisClusterRows(_port: number, settings: BenchSettings): Promise<Row[]> {
  const cluster = await RedisClusterTest.start({ masters: 3, replicasPerMaster: 0 });
  const seeds = cluster.servers.map((server) => ({ host: server.host, port: server.port }));
  const ours = await startCacheContext({ backend: 'redis', redis: { clusterNodes: seeds } });
  const moduleOptions = resolveCacheOptions({ backend: 'redis', redis: { clusterNodes: seeds } }).redis;
  const raw = createRedisClient(moduleOptions) as Cluster;
  const rawPipelined = new Cluster(seeds, { ...raw.options, enableAutoPipelining: true });
  try {
    await Promise.all([raw.connect(), rawPipelined.connect()]);
    const values = Array.from({ length: KEY_SPACE }, (_, i) => JSON.stringify(payload(i)));
    for (let i = 0; i < KEY_SPACE; i++) {
      await ours.cache.set(`item:${i}`, payload(i));
      await raw.set(`raw:item:${i}`, values[i], 'PX', TTL_MS);
    }
    const rows: Row[] = [];
    for (const inFlight of IN_FLIGHT) {
      const contender = (name: string, op: (i: number) => Promise<unknown>): Contender => {
        let next = 0;
        return {
          name,
          opsPerCall: settings.batch,
          run: () => withInFlight(inFlight, settings.batch, () => op(next++ % KEY_SPACE)),
        };
      };
      const checks = { get: new AnswerCheck(), set: new AnswerCheck() };
      const found = (value: unknown): boolean => value !== undefined && value !== null;
      const rawGet = (client: Cluster, i: number) =>
        client.get(`raw:item:${i}`).then((text) => (text === null ? undefined : JSON.parse(text)));
      const get = await measureInRounds(
        [
          contender('ours', (i) => checks.get.expect('ours', ours.cache.get(`item:${i}`), found)),
          contender('raw', (i) => checks.get.expect('raw', rawGet(raw, i), found)),
          contender('raw pipelined', (i) => checks.get.expect('raw pipelined', rawGet(rawPipelined, i), found)),
        ],
        settings.rounds,
      );
      const ok = (reply: unknown) => reply === 'OK';
      const set = await measureInRounds(
        [
          contender('ours', (i) => checks.set.expect('ours', ours.cache.set(`item:${i}`, payload(i)), (done) => done)),
          contender('raw', (i) => checks.set.expect('raw', raw.set(`raw:item:${i}`, values[i], 'PX', TTL_MS), ok)),
          contender('raw pipelined', (i) =>
            checks.set.expect('raw pipelined', rawPipelined.set(`raw:item:${i}`, values[i], 'PX', TTL_MS), ok),
          ),
        ],
        settings.rounds,
      );
      for (const [operation, measured, check] of [
        ['get', get, checks.get],
        ['set', set, checks.set],
      ] as const) {
        const of = (name: string): number[] => perSecond(measured.ms(name));
        const cpuUs = (a: string, b: string) => ({ ours: measured.cpuUs(a), baseline: measured.cpuUs(b) });
        rows.push(
          makeRow({
            section: SECTION,
            measurement: `CacheManagerService.${operation}, ${inFlight} in flight`,
            unit: 'ops/s',
            ours: of('ours'),
            baselineName: 'raw ioredis 6 Cluster, the module’s cluster options (auto-pipelining off)',
            baseline: of('raw'),
            problem: check.problem('ours', 'raw'),
            cpuUs: cpuUs('ours', 'raw'),
          }),
          makeRow({
            section: SECTION,
            measurement: `raw ioredis 6 Cluster ${operation}, auto-pipelining off (the module’s choice), ${inFlight} in flight`,
            unit: 'ops/s',
            ours: of('raw'),
            baselineName: 'the same with auto-pipelining on',
            baseline: of('raw pipelined'),
            problem: check.problem('raw', 'raw pipelined'),
            cpuUs: cpuUs('raw', 'raw pipelined'),
          }),
        );
      }
    }
    return rows;
  } finally {
    raw.disconnect();
    rawPipelined.disconnect();
    await ours.context.close();
    await cluster.stop();
  }
}
