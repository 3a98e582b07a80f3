import type { Chooser, KeySpace, PlannedOperation } from './workload';

/**
 * The operations of the checker's dimensions, each weighed in the mix on its own so that
 * one dimension can run alone:
 * - batches: getMany, setMany, deleteMany and getOrSetMany over windows of 1 to 5000 keys;
 * - expiries: keys written with timeouts of 1 to 10 ms and read all the time, so that
 *   reads reach Redis in a value's last millisecond;
 * - factories: getOrSet and getOrSetMany on tagged keys, whose factories are fast, slow,
 *   throw or hang, racing invalidateTags and tagged sets;
 * - ticks: several writes of one key issued by one worker in one tick, on keys written
 *   only that way.
 */
export type DimensionKind =
  | 'getMany'
  | 'getBatchKey'
  | 'setMany'
  | 'deleteMany'
  | 'getOrSetMany'
  | 'getExpiring'
  | 'setExpiring'
  | 'getOrSet'
  | 'getOrSetManyTagged'
  | 'getFactoryKey'
  | 'setTagged'
  | 'deleteFactoryKey'
  | 'invalidateTags'
  | 'tick'
  | 'getTickKey';

export type FactoryBehaviour = 'fast' | 'slow' | 'throws' | 'hangs';

export interface FactoryPlan {
  behaviour: FactoryBehaviour;
  /** Before the value (or the failure) comes back. */
  delayMs: number;
  hardTimeoutMs: number;
}

export type TickStep = { call: 'set' | 'delete'; key: string } | { call: 'setMany' | 'deleteMany'; keys: string[] };

export type DimensionOperation =
  | { kind: 'getMany' | 'deleteMany'; keys: string[] }
  | { kind: 'setMany'; keys: string[]; ttlMs?: number }
  | { kind: 'setWithTimeout'; key: string; ttlMs: number }
  | { kind: 'getOrSet'; key: string; factory: FactoryPlan; tags: string[] }
  | { kind: 'getOrSetMany'; keys: string[]; factory: FactoryPlan; tags?: string[] }
  | { kind: 'setTagged'; key: string; tags: string[] }
  | { kind: 'invalidateTags'; tags: string[]; againAfterMs: number }
  | { kind: 'tick'; steps: TickStep[] };

/** Keys per command, and per wave, of a batch on Redis (src/stores/redis-batch-limits.ts). */
const WAVE_KEYS = 1000;
/** The largest batch: five waves. */
export const MAX_BATCH = 5000;
/** The timeouts of expiring keys, in ms. */
export const SHORT_TIMEOUT_MS = { min: 1, max: 10 } as const;
/**
 * Factories are called with this hard timeout. A hung one fails only after
 * HANG_MS, longer than the fleet lock's TTL (hardTimeoutMs + 2 s), so every caller that
 * comes after it must be bounded by its own hardTimeoutMs, not by the hung call.
 */
export const FACTORY_HARD_TIMEOUT_MS = 100;
export const HANG_MS = { min: 2200, max: 3000 } as const;
/** Slow factories get a hard timeout they stay within, so that their values are stored and judged. */
export const SLOW_MS = { min: 30, max: 300 } as const;
export const SLOW_HARD_TIMEOUT_MS = 1000;
/**
 * A tag is invalidated twice in a row: the first makes its keys miss, so factories start,
 * and the second comes while some still run. A value computed across the second must not
 * be fresh after it, and with tags invalidated seldom (about every 2 s) one that is would
 * stay wrong long enough to be seen.
 */
export const INVALIDATE_AGAIN_MS = { min: 20, max: 200 } as const;

/** `batch` keys b0.. for batches, `expiring` keys e0.., `factory` keys f0.. with `tags` tags t0.., `tick` keys x0.. */
export function dimensionKeys(sizes: {
  batch?: number;
  expiring?: number;
  factory?: number;
  tags?: number;
  tick?: number;
}): Partial<KeySpace> {
  const named = (prefix: string, count = 0) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  return {
    batchKeys: named('b', sizes.batch),
    expiringKeys: named('e', sizes.expiring),
    factoryKeys: named('f', sizes.factory),
    tags: named('t', sizes.tags),
    tickKeys: named('x', sizes.tick),
  };
}

/** The tag a factory key carries: one of the tags, by its number. */
export function tagOf(key: string, tags: string[]): string {
  return tags[Number(key.slice(1)) % tags.length];
}

export function planDimension(kind: DimensionKind, keys: KeySpace, choose: Chooser): PlannedOperation {
  const { random, pick, pickSkewed } = choose;
  const need = (list: string[] | undefined, what: string): string[] => {
    if (!list || list.length === 0) throw new Error(`the mix asks for ${kind}, but the key space has no ${what}`);
    return list;
  };
  const shortTimeout = () =>
    SHORT_TIMEOUT_MS.min + Math.floor(random() * (SHORT_TIMEOUT_MS.max - SHORT_TIMEOUT_MS.min + 1));
  const window = (): string[] => {
    const batch = need(keys.batchKeys, 'batch keys');
    const most = Math.min(MAX_BATCH, batch.length);
    // Half of any size, log-uniform (as many of 1-10 keys as of 1000-5000); half over
    // WAVE_KEYS, which a store sends in several waves.
    const size =
      random() < 0.5 || most <= WAVE_KEYS
        ? choose.logUniform(1, most)
        : WAVE_KEYS + 1 + Math.floor(random() * (most - WAVE_KEYS));
    const start = Math.floor(random() * (batch.length - size + 1));
    return batch.slice(start, start + size);
  };
  const factory = (): FactoryPlan => {
    const roll = random();
    const hardTimeoutMs = FACTORY_HARD_TIMEOUT_MS;
    if (roll < 0.5) return { behaviour: 'fast', delayMs: Math.floor(random() * 3), hardTimeoutMs };
    if (roll < 0.75)
      return {
        behaviour: 'slow',
        delayMs: SLOW_MS.min + Math.floor(random() * (SLOW_MS.max - SLOW_MS.min)),
        hardTimeoutMs: SLOW_HARD_TIMEOUT_MS,
      };
    if (roll < 0.9) return { behaviour: 'throws', delayMs: Math.floor(random() * 5), hardTimeoutMs };
    return {
      behaviour: 'hangs',
      delayMs: HANG_MS.min + Math.floor(random() * (HANG_MS.max - HANG_MS.min)),
      hardTimeoutMs,
    };
  };
  const factoryKeys = () => need(keys.factoryKeys, 'factory keys');
  const tags = () => need(keys.tags, 'tags');
  switch (kind) {
    case 'getMany':
    case 'deleteMany':
      return { kind, keys: window() };
    case 'setMany':
      return { kind, keys: window(), ttlMs: random() < 0.2 ? shortTimeout() : undefined };
    case 'getOrSetMany':
      return { kind, keys: window(), factory: factory() };
    case 'getBatchKey':
      return { kind: 'get', key: pick(need(keys.batchKeys, 'batch keys')) };
    case 'getExpiring':
      return { kind: 'get', key: pick(need(keys.expiringKeys, 'expiring keys')) };
    case 'setExpiring':
      // Uniformly: every key lives and dies about once a second, and a value that outlived
      // its expiry in an L1 is there to be read until the key's next write.
      return { kind: 'setWithTimeout', key: pick(need(keys.expiringKeys, 'expiring keys')), ttlMs: shortTimeout() };
    case 'getOrSet': {
      const key = pick(factoryKeys());
      return { kind, key, factory: factory(), tags: [tagOf(key, tags())] };
    }
    case 'getOrSetManyTagged': {
      const all = factoryKeys();
      const size = 1 + Math.floor(random() * Math.min(8, all.length));
      const start = Math.floor(random() * (all.length - size + 1));
      const chosen = all.slice(start, start + size);
      return {
        kind: 'getOrSetMany',
        keys: chosen,
        factory: factory(),
        tags: [...new Set(chosen.map((key) => tagOf(key, tags())))],
      };
    }
    case 'getFactoryKey':
      return { kind: 'get', key: pick(factoryKeys()) };
    case 'setTagged': {
      const key = pickSkewed(factoryKeys());
      return { kind, key, tags: [tagOf(key, tags())] };
    }
    case 'deleteFactoryKey':
      return { kind: 'delete', key: pickSkewed(factoryKeys()) };
    case 'invalidateTags':
      return {
        kind,
        tags: [pick(tags())],
        againAfterMs:
          INVALIDATE_AGAIN_MS.min + Math.floor(random() * (INVALIDATE_AGAIN_MS.max - INVALIDATE_AGAIN_MS.min)),
      };
    case 'tick':
      return { kind, steps: tickSteps(need(keys.tickKeys, 'tick keys'), choose) };
    case 'getTickKey':
      return { kind: 'get', key: pick(need(keys.tickKeys, 'tick keys')) };
  }
}

/**
 * 2 to 4 writes of one key, some of them batches that take other keys along. The keys are
 * written by ticks only, each about once a second: a tick whose last write lost stays
 * wrong in Redis long enough for the online check, and for the check after the burst.
 */
function tickSteps(writable: string[], { random, pick }: Chooser): TickStep[] {
  const key = pick(writable);
  const others = () =>
    Array.from({ length: Math.floor(random() * 3) }, () => pick(writable)).filter((other) => other !== key);
  const count = 2 + Math.floor(random() * 3);
  return Array.from({ length: count }, (): TickStep => {
    const roll = random();
    if (roll < 0.35) return { call: 'set', key };
    if (roll < 0.7) return { call: 'setMany', keys: [...new Set([key, ...others()])] };
    if (roll < 0.85) return { call: 'delete', key };
    return { call: 'deleteMany', keys: [...new Set([key, ...others()])] };
  });
}
