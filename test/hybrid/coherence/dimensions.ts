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
 * dimension), and all of them at once. Weights are per call: a batch averages about 600
 * keys (log-uniform from 1 to 5000), so batches are few among the calls.
 */
export const DIMENSIONS = {
  batches: {
    keys: { ...PLAIN, ...dimensionKeys({ batch: 6000 }) },
    mix: { ...READ_HEAVY_MIX, getMany: 1.2, setMany: 1, deleteMany: 0.4, getOrSetMany: 0.4 },
  },
  expiries: {
    keys: { ...PLAIN, ...dimensionKeys({ expiring: 8 }) },
    mix: { get: 15, set: 4, delete: 1, incr: 2, clear: 0, getExpiring: 60, setExpiring: 18 },
  },
  factories: {
    keys: { ...PLAIN, ...dimensionKeys({ factory: 24, tags: 4 }) },
    mix: { get: 8, set: 2, delete: 1, incr: 1, clear: 0, getOrSet: 40, getOrSetManyTagged: 10, getFactoryKey: 20, setTagged: 5, deleteFactoryKey: 3, invalidateTags: 8 },
  },
  ticks: {
    keys: { ...PLAIN, ...dimensionKeys({ tick: 64 }) },
    mix: { ...READ_HEAVY_MIX, tick: 2, getTickKey: 30 },
  },
} satisfies Record<string, Dimension>;

export type DimensionName = keyof typeof DIMENSIONS;

/** Every dimension in one burst. */
export const ALL_DIMENSIONS: Dimension = {
  keys: { ...PLAIN, ...dimensionKeys({ batch: 6000, expiring: 8, factory: 24, tags: 4, tick: 64 }) },
  mix: {
    ...READ_HEAVY_MIX,
    getMany: 1.2,
    setMany: 1,
    deleteMany: 0.4,
    getOrSetMany: 0.4,
    getExpiring: 20,
    setExpiring: 6,
    getOrSet: 10,
    getOrSetManyTagged: 3,
    getFactoryKey: 6,
    setTagged: 1.5,
    deleteFactoryKey: 1,
    invalidateTags: 2,
    tick: 1,
    getTickKey: 10,
  },
};
