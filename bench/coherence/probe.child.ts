import 'reflect-metadata';
import { payload } from '../support/payload';
import { BackgroundWrites } from './background-writes';
import type { ProbeCacheKind, ProbeCommand, ProbeReply, ProbeValue } from './messages';
import { openProbeCache, type ProbeCache } from './probe-cache';

/** How long a reader waits for a write to show before it reports it as never seen, unless the bench says otherwise. */
const SEEN_BOUND_MS = 2000;
/**
 * Microseconds a reader sleeps between reads, besides its setImmediate yield. Readers that
 * only yielded kept both cores of a 2-core machine busy, took them from Redis and the writer,
 * and tripled the hybrid backend's measured p50 (0.8 ms against 0.3 ms with the sleep); the
 * sleep costs the reading up to about 0.1 ms of resolution.
 */
const READ_PAUSE_US = 50;
const pause = new Int32Array(new SharedArrayBuffer(4));
/** Keys the background writes cycle over, shared by the whole fleet as an app's keys would be. */
const LOAD_KEYS = 1000;

/**
 * One process of the coherence fleet, started by probe-fleet.ts: runs every cache named in
 * BENCH_PROBE_CACHES on the bench's Redis and, on the bench's word, writes a probe value to
 * one, watches one for a value written elsewhere, or writes to one in the background.
 */
async function serve(): Promise<void> {
  const port = Number(process.env.BENCH_REDIS_PORT);
  const caches = new Map<string, ProbeCache>();
  for (const kind of process.env.BENCH_PROBE_CACHES!.split(',') as ProbeCacheKind[])
    caches.set(kind, await openProbeCache(kind, port));
  const body = payload(process.pid);
  let load: BackgroundWrites | undefined;
  const handle = async (command: ProbeCommand): Promise<void> => {
    switch (command.type) {
      case 'watch': {
        const cache = caches.get(command.cache)!;
        // Twice: the first read may come from L2 and fill L1; the second is from L1, so the
        // loop below starts on a stale copy that only an invalidation can remove.
        await cache.get(command.key);
        await cache.get(command.key);
        reply({ type: 'watching' });
        const boundNs = BigInt(command.boundMs ?? SEEN_BOUND_MS) * 1_000_000n;
        reply({ type: 'seen', ...(await readUntil(cache, command.key, command.version, boundNs)) });
        return;
      }
      case 'write': {
        const value: ProbeValue = { version: command.version, body };
        const ok = await caches.get(command.cache)!.set(command.key, value);
        reply({ type: 'written', at: String(process.hrtime.bigint()), ok });
        return;
      }
      case 'load': {
        const cache = caches.get(command.cache)!;
        load = new BackgroundWrites((n) => cache.set(`load:${n % LOAD_KEYS}`, body), command.writesPerSecond);
        return;
      }
      case 'unload':
        reply({ type: 'unloaded', ...(await load!.stop()) });
        load = undefined;
        return;
      case 'report':
        reply({ type: 'report', busOutages: caches.get(command.cache)!.busOutages() });
        return;
      case 'close':
        for (const open of caches.values()) await open.close();
        process.disconnect();
        return;
    }
  };
  process.on('message', (command: ProbeCommand) => void handle(command).catch(crash));
  // If the bench dies, so does the fleet.
  process.on('disconnect', () => process.exit(0));
  reply({ type: 'ready' });
}

/**
 * Reads in a loop until `version` shows. Between reads: a short sleep that gives the CPU
 * back, then a yield to the event loop, whose poll phase lets the bus deliver.
 */
async function readUntil(
  cache: ProbeCache,
  key: string,
  version: number,
  boundNs: bigint,
): Promise<{ at: string | null }> {
  const started = process.hrtime.bigint();
  for (;;) {
    const value = (await cache.get(key)) as ProbeValue | undefined;
    const now = process.hrtime.bigint();
    if (value && value.version >= version) return { at: String(now) };
    if (now - started > boundNs) return { at: null };
    Atomics.wait(pause, 0, 0, READ_PAUSE_US / 1000);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function reply(message: ProbeReply): void {
  process.send!(message);
}

function crash(error: unknown): void {
  console.error(error);
  process.exit(1);
}

serve().catch(crash);
