import { seededRandom } from '../../helpers/seeded-random';
import { type DimensionKind, planDimension, type DimensionOperation } from './dimension-plans';

/**
 * The keys a burst works on. Counters are kept apart from value keys: an incr on a key
 * that holds an object would be a caller mistake, not a coherence question. The other
 * key sets belong to the checker's dimensions (dimension-plans.ts) and are only used when
 * their operations are in the mix.
 */
export interface KeySpace {
  valueKeys: string[];
  counterKeys: string[];
  /** Value keys this worker may set or delete; every value key when absent. */
  writableValueKeys?: string[];
  /** Keys of setMany / deleteMany / getMany / getOrSetMany windows. */
  batchKeys?: string[];
  /** Keys only ever written with a timeout of 1 to 10 ms. */
  expiringKeys?: string[];
  /** Keys only ever written by getOrSet, getOrSetMany or a tagged set, each with a tag. */
  factoryKeys?: string[];
  tags?: string[];
  /** Keys only ever written by several writes in one tick. */
  tickKeys?: string[];
}

/** Relative weights of the operations in a burst; the dimensions' operations are 0 when left out. */
export interface OperationMix extends Partial<Record<DimensionKind, number>> {
  get: number;
  set: number;
  delete: number;
  incr: number;
  clear: number;
}

export type PlannedOperation =
  { kind: 'get' | 'set' | 'delete' | 'incr'; key: string } | { kind: 'clear' } | DimensionOperation;

/** How much less often each key is written than the one before it. */
const WRITE_SKEW = 0.7;

/**
 * Mostly reads, as a cache sees. Clears are rare (about one a second for three workers)
 * because each one empties every key, and would make every key as fresh as a hot one.
 */
export const READ_HEAVY_MIX: OperationMix = { get: 70, set: 15, delete: 5, incr: 10, clear: 0.01 };

/** Reads only: a process whose L1 changes only through the bus. */
export const READ_ONLY_MIX: OperationMix = { get: 100, set: 0, delete: 0, incr: 0, clear: 0 };

/** `values` value keys v0.. and `counters` counter keys c0.. */
export function smallKeySpace(values: number, counters: number): KeySpace {
  return {
    valueKeys: Array.from({ length: values }, (_, i) => `v${i}`),
    counterKeys: Array.from({ length: counters }, (_, i) => `c${i}`),
  };
}

/** Every key a burst may touch: what the convergence check reads. */
export function allKeys(keys: KeySpace): string[] {
  return [
    ...keys.valueKeys,
    ...keys.counterKeys,
    ...(keys.batchKeys ?? []),
    ...(keys.expiringKeys ?? []),
    ...(keys.factoryKeys ?? []),
    ...(keys.tickKeys ?? []),
  ];
}

/** The random choices a plan is made of, shared with the dimensions' planners. */
export interface Chooser {
  random: () => number;
  pick<T>(items: T[]): T;
  /**
   * Picks item i with weight WRITE_SKEW^i: the first keys are written hundreds of times a
   * second, the last about once a second. A stale L1 entry of a rarely written key lives
   * long enough for the online check to see it, where the next write of a hot key would
   * hide it within milliseconds.
   */
  pickSkewed<T>(items: T[]): T;
  /** An integer in [low, high], log-uniform: as many batches of 1-10 keys as of 1000-5000. */
  logUniform(low: number, high: number): number;
}

export function chooser(seed: number): Chooser {
  const random = seededRandom(seed);
  return {
    random,
    pick: (items) => items[Math.floor(random() * items.length)],
    pickSkewed(items) {
      let roll = random() * (1 - WRITE_SKEW ** items.length);
      for (let i = 0; i < items.length - 1; i++) {
        const weight = (1 - WRITE_SKEW) * WRITE_SKEW ** i;
        if (roll < weight) return items[i];
        roll -= weight;
      }
      return items[items.length - 1];
    },
    logUniform: (low, high) =>
      Math.min(high, Math.floor(Math.exp(Math.log(low) + random() * (Math.log(high + 1) - Math.log(low))))),
  };
}

/** The operations of one burst, drawn from `seed`: the same seed gives the same burst. */
export function planOperations(seed: number, mix: OperationMix, keys: KeySpace, count: number): PlannedOperation[] {
  const choose = chooser(seed);
  const { random, pick, pickSkewed } = choose;
  // Reads pick uniformly among the plain keys (the dimensions read their own keys).
  const readable = [...keys.valueKeys, ...keys.counterKeys];
  const writable = keys.writableValueKeys ?? keys.valueKeys;
  type MixKind = 'get' | 'set' | 'delete' | 'incr' | 'clear' | DimensionKind;
  const weights: [MixKind, number][] = [
    ['get', readable.length > 0 ? mix.get : 0],
    ['set', writable.length > 0 ? mix.set : 0],
    ['delete', writable.length + keys.counterKeys.length > 0 ? mix.delete : 0],
    ['incr', keys.counterKeys.length > 0 ? mix.incr : 0],
    ['clear', mix.clear],
  ];
  for (const [kind, weight] of Object.entries(mix))
    if (!weights.some(([known]) => known === kind)) weights.push([kind as DimensionKind, weight ?? 0]);
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  const keyFor = (kind: 'get' | 'set' | 'delete' | 'incr'): string => {
    if (kind === 'get') return pick(readable);
    if (kind === 'set') return pickSkewed(writable);
    if (kind === 'incr') return pickSkewed(keys.counterKeys);
    // Deletes hit values and counters alike: a deleted counter is created again by add.
    const fromCounters = writable.length === 0 || (keys.counterKeys.length > 0 && random() < 0.5);
    return pickSkewed(fromCounters ? keys.counterKeys : writable);
  };
  const plan: PlannedOperation[] = [];
  for (let i = 0; i < count; i++) {
    let roll = random() * total;
    let kind: MixKind = 'get';
    for (const [candidate, weight] of weights) {
      if (roll < weight) {
        kind = candidate;
        break;
      }
      roll -= weight;
    }
    if (kind === 'clear') plan.push({ kind });
    else if (kind === 'get' || kind === 'set' || kind === 'delete' || kind === 'incr')
      plan.push({ kind, key: keyFor(kind) });
    else plan.push(planDimension(kind, keys, choose));
  }
  return plan;
}
