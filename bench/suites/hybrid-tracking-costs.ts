import { Redis } from 'ioredis';
import { makeRow, type Row } from '../support/row';
import type { BenchSettings } from '../support/settings';

const SECTION =
  'Hybrid invalidation, Redis server CPU per write: tracking (Redis reports each change) against the bus (a PUBLISH per tick of writes)';
const HOST = '127.0.0.1';
const PREFIX = 'costs:1:';
/** Writes sent in one tick: the bus sends one message for them, as the module does. */
const WRITES_PER_TICK = 100;
const LISTENERS = [1, 3, 10];

interface Listener {
  connections: Redis[];
}

/** One hybrid process's connections as the module opens them for tracking: a RESP2 subscriber and a tracking connection. */
async function trackingListener(port: number): Promise<Listener> {
  const subscriber = new Redis({ host: HOST, port, protocol: 2 });
  const tracker = new Redis({ host: HOST, port });
  const id = await subscriber.client('ID');
  await subscriber.subscribe('__redis__:invalidate');
  await tracker.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(id), 'BCAST', 'PREFIX', PREFIX);
  return { connections: [subscriber, tracker] };
}

/** One hybrid process's bus subscriber. */
async function busListener(port: number, channel: string): Promise<Listener> {
  const subscriber = new Redis({ host: HOST, port });
  await subscriber.subscribe(channel);
  return { connections: [subscriber] };
}

async function serverCpuUs(admin: Redis): Promise<number> {
  const info = await admin.info('cpu');
  const field = (name: string) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)![1]);
  return (field('used_cpu_user') + field('used_cpu_sys')) * 1e6;
}

/** Redis CPU microseconds per write, for `writes` SETs in ticks of WRITES_PER_TICK, each tick followed by `afterTick`. */
async function cpuPerWrite(
  admin: Redis,
  writer: Redis,
  writes: number,
  afterTick: (keys: string[]) => Promise<unknown>,
): Promise<number> {
  const before = await serverCpuUs(admin);
  for (let done = 0; done < writes; done += WRITES_PER_TICK) {
    const keys = Array.from({ length: WRITES_PER_TICK }, (_, i) => `${PREFIX}k${(done + i) % 5000}`);
    await Promise.all([...keys.map((key) => writer.set(key, 'v')), afterTick(keys)]);
  }
  return ((await serverCpuUs(admin)) - before) / writes;
}

/**
 * What each path costs Redis: the same writes with 1, 3 and 10 listening processes, once
 * tracked (Redis sends each listener a report per tick of changes) and once with the bus
 * (one PUBLISH per tick, fanned out to each listener). Measured on raw connections shaped
 * as the module opens them, so the figure is Redis's own work, not the module's.
 */
export async function hybridTrackingCostRows(port: number, settings: BenchSettings): Promise<Row[]> {
  const admin = new Redis({ host: HOST, port });
  const writer = new Redis({ host: HOST, port, enableAutoPipelining: true });
  const writes = settings.quick ? 20_000 : 200_000;
  const rounds = settings.quick ? 2 : 5;
  const channel = 'costs-bus';
  const rows: Row[] = [];
  try {
    for (const count of LISTENERS) {
      const tracked: number[] = [];
      const bus: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const trackers = await Promise.all(Array.from({ length: count }, () => trackingListener(port)));
        tracked.push(await cpuPerWrite(admin, writer, writes, async () => undefined));
        for (const listener of trackers) for (const connection of listener.connections) connection.disconnect();
        const subscribers = await Promise.all(Array.from({ length: count }, () => busListener(port, channel)));
        bus.push(
          await cpuPerWrite(admin, writer, writes, (keys) =>
            writer.publish(channel, JSON.stringify(['i', 'bench', keys])),
          ),
        );
        for (const listener of subscribers) for (const connection of listener.connections) connection.disconnect();
      }
      rows.push(
        makeRow({
          section: SECTION,
          measurement: `SET with ${count} tracking process${count === 1 ? '' : 'es'} (BCAST PREFIX), Redis CPU per write`,
          unit: 'µs',
          ours: tracked,
          baselineName: `the same SETs with the bus: one PUBLISH per ${WRITES_PER_TICK} writes, ${count} subscriber${count === 1 ? '' : 's'}`,
          baseline: bus,
          note: `${writes.toLocaleString('en')} writes per round, ${WRITES_PER_TICK} per tick, INFO cpu (used_cpu_user + used_cpu_sys) of the bench's redis-server`,
        }),
      );
    }
  } finally {
    admin.disconnect();
    writer.disconnect();
  }
  return rows;
}
