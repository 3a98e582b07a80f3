import { seededRandom } from '../../helpers/seeded-random';

/**
 * The keys a burst works on. Counters are kept apart from value keys: an incr on a key
 * that holds an object would be a caller mistake, not a coherence question.
 */
export interface KeySpace {
  valueKeys: string[];
  counterKeys: string[];
  /** Value keys this worker may set or delete; every value key when absent. */
  writableValueKeys?: string[];
}

/** Relative weights of the operations in a burst. */
export interface OperationMix {
  get: number;
  set: number;
  delete: number;
  incr: number;
  clear: number;
}

export type PlannedOperation =
  | { kind: 'get' | 'set' | 'delete' | 'incr'; key: string }
  | { kind: 'clear' };

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

export function allKeys(keys: KeySpace): string[] {
  return [...keys.valueKeys, ...keys.counterKeys];
}

/** The operations of one burst, drawn from `seed`: the same seed gives the same burst. */
export function planOperations(seed: number, mix: OperationMix, keys: KeySpace, count: number): PlannedOperation[] {
  const random = seededRandom(seed);
  const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)];
  // Writes pick key i with weight WRITE_SKEW^i, reads pick uniformly: the first keys are
  // written hundreds of times a second, the last about once a second. A stale L1 entry of
  // a rarely written key lives long enough for the online check to see it, where the
  // next write of a hot key would hide it within milliseconds.
  const pickSkewed = <T>(items: T[]): T => {
    let roll = random() * (1 - WRITE_SKEW ** items.length);
    for (let i = 0; i < items.length - 1; i++) {
      const weight = (1 - WRITE_SKEW) * WRITE_SKEW ** i;
      if (roll < weight) return items[i];
      roll -= weight;
    }
    return items[items.length - 1];
  };
  const readable = allKeys(keys);
  const writable = keys.writableValueKeys ?? keys.valueKeys;
  const weights: [PlannedOperation['kind'], number][] = [
    ['get', mix.get],
    ['set', writable.length > 0 ? mix.set : 0],
    ['delete', writable.length + keys.counterKeys.length > 0 ? mix.delete : 0],
    ['incr', keys.counterKeys.length > 0 ? mix.incr : 0],
    ['clear', mix.clear],
  ];
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
  const keyFor = (kind: Exclude<PlannedOperation['kind'], 'clear'>): string => {
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
    let kind: PlannedOperation['kind'] = 'get';
    for (const [candidate, weight] of weights) {
      if (roll < weight) {
        kind = candidate;
        break;
      }
      roll -= weight;
    }
    plan.push(kind === 'clear' ? { kind } : { kind, key: keyFor(kind) });
  }
  return plan;
}
