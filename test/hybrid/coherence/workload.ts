import { seededRandom } from './seeded-random';

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

/** Mostly reads, as a cache sees; clears are rare because each one empties every key. */
export const READ_HEAVY_MIX: OperationMix = { get: 70, set: 15, delete: 5, incr: 10, clear: 0.05 };

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
  const readable = allKeys(keys);
  const writable = keys.writableValueKeys ?? keys.valueKeys;
  const deletable = [...writable, ...keys.counterKeys];
  const weights: [PlannedOperation['kind'], number][] = [
    ['get', mix.get],
    ['set', writable.length > 0 ? mix.set : 0],
    ['delete', deletable.length > 0 ? mix.delete : 0],
    ['incr', keys.counterKeys.length > 0 ? mix.incr : 0],
    ['clear', mix.clear],
  ];
  const total = weights.reduce((sum, [, weight]) => sum + weight, 0);
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
    if (kind === 'clear') plan.push({ kind });
    else if (kind === 'get') plan.push({ kind, key: pick(readable) });
    else if (kind === 'set') plan.push({ kind, key: pick(writable) });
    else if (kind === 'delete') plan.push({ kind, key: pick(deletable) });
    else plan.push({ kind, key: pick(keys.counterKeys) });
  }
  return plan;
}
