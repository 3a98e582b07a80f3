import type { L1ValueMode } from '../../src';

/**
 * Both CACHE_L1_VALUES modes. The rule: the conformance suite, the coherence checker and
 * every fault test pass unchanged in both, so the suites whose caches hand values out of
 * memory (hybrid, locmem) run their cases once per mode.
 */
export const L1_VALUE_MODES: readonly L1ValueMode[] = ['copy', 'frozen'];

/**
 * The CACHE_L1_VALUES of the coherence workers (coherence-env.ts) and of the fault apps
 * (test/faults/support/fault-app.ts) where a test names no mode: `copy`, the default,
 * unless TEST_L1_VALUES says otherwise, so that those suites also run whole with frozen
 * values, the redis backend's included (`TEST_L1_VALUES=frozen npx jest test/hybrid test/faults`).
 */
export const L1_VALUES_UNDER_TEST = (process.env.TEST_L1_VALUES || 'copy') as L1ValueMode;

/** The environment that selects `mode`. */
export function l1ValuesEnv(mode: L1ValueMode): { CACHE_L1_VALUES: L1ValueMode } {
  return { CACHE_L1_VALUES: mode };
}
