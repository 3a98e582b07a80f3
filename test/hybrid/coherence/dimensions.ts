import { dimensionKeys } from './dimension-plans';
import { type KeySpace, type OperationMix, READ_HEAVY_MIX, smallKeySpace } from './workload';

/** One dimension of the checker: the keys it needs and the mix that exercises it. */
export interface Dimension {
  keys: KeySpace;
  mix: OperationMix;
}

const PLAIN = smallKeySpace(16, 6);

/**
 * Each dimension on its own (a spec runs them one at a time, so a finding names its
 * dimension), and all of them at once. Weights are per call: a batch averages about 1800
 * keys, so batches are few among the calls.
 */
export const DIMENSIONS = {
  batches: {
    keys: { ...PLAIN, ...dimensionKeys({ batch: 5000 }) },
    // Single gets of batch keys all the time: a batch's later waves must not refill another process's L1 with old values.
    mix: { ...READ_HEAVY_MIX, getMany: 0.3, setMany: 1.5, deleteMany: 0.7, getOrSetMany: 0.25, getBatchKey: 150 },
  },
  // About 2 writes per expiring key and second, and 10 reads per key, second and process.
  expiries: {
    keys: { ...PLAIN, ...dimensionKeys({ expiring: 200 }) },
    mix: { get: 10, set: 3, delete: 1, incr: 1, clear: 0, getExpiring: 80, setExpiring: 4 },
  },
  // Each tag invalidated (twice in a row) about every 2 s; every factory key asked for about 20 times a second.
  factories: {
    keys: { ...PLAIN, ...dimensionKeys({ factory: 32, tags: 4 }) },
    mix: {
      get: 8,
      set: 2,
      delete: 1,
      incr: 1,
      clear: 0,
      getOrSet: 50,
      getOrSetManyTagged: 8,
      getFactoryKey: 20,
      setTagged: 0.5,
      deleteFactoryKey: 1,
      invalidateTags: 0.06,
    },
  },
  ticks: {
    keys: { ...PLAIN, ...dimensionKeys({ tick: 64 }) },
    mix: { ...READ_HEAVY_MIX, tick: 2, getTickKey: 30 },
  },
} satisfies Record<string, Dimension>;

export type DimensionName = keyof typeof DIMENSIONS;

/** Every dimension in one burst. */
export const ALL_DIMENSIONS: Dimension = {
  keys: { ...PLAIN, ...dimensionKeys({ batch: 5000, expiring: 200, factory: 32, tags: 4, tick: 64 }) },
  mix: {
    ...READ_HEAVY_MIX,
    getMany: 0.1,
    setMany: 0.4,
    deleteMany: 0.2,
    getOrSetMany: 0.1,
    getBatchKey: 10,
    getExpiring: 20,
    setExpiring: 6,
    getOrSet: 10,
    getOrSetManyTagged: 3,
    getFactoryKey: 6,
    setTagged: 0.2,
    deleteFactoryKey: 0.3,
    invalidateTags: 0.03,
    tick: 1,
    getTickKey: 10,
  },
};
