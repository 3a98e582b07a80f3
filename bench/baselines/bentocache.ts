import { BentoCache, type BentoStore, bentostore } from 'bentocache';
import { memoryDriver } from 'bentocache/drivers/memory';
import { redisBusDriver, redisDriver } from 'bentocache/drivers/redis';

export type TieredBentoCache = BentoCache<{ tiered: BentoStore }>;

/** The module's default timeout (300 s), given to BentoCache as its TTL. */
const TTL_MS = 300_000;

/**
 * BentoCache 1.6 as its docs build a multi-tier cache: a memory L1 (which stores the
 * serialized text, so every read is a fresh copy, as ours), Redis as L2, and a Redis bus
 * that drops a written key from the other processes' L1. Its connections get the one
 * client option that decides throughput at 100 calls in flight, auto-pipelining, as ours have.
 */
export function createBentoCache(host: string, port: number, l1MaxItems: number): TieredBentoCache {
  const connection = { host, port, enableAutoPipelining: true };
  return new BentoCache({
    default: 'tiered',
    ttl: TTL_MS,
    stores: {
      tiered: bentostore()
        .useL1Layer(memoryDriver({ maxItems: l1MaxItems }))
        .useL2Layer(redisDriver({ connection }))
        .useBus(redisBusDriver({ connection })),
    },
  });
}
