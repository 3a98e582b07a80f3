/**
 * The CACHE_L1_INVALIDATION the hybrid suites run with: `auto` (tracking, on the Redis the
 * tests start) unless TEST_L1_INVALIDATION says otherwise, so that the same suites also run
 * on the bus alone (`TEST_L1_INVALIDATION=bus npx jest test/hybrid test/tiers ...`). A test
 * about one path's own behaviour names its mode itself.
 */
export const L1_INVALIDATION_UNDER_TEST = process.env.TEST_L1_INVALIDATION ?? 'auto';

/** The mode in force that the setting under test leads to, on a Redis that tracks. */
export const L1_MODE_UNDER_TEST = L1_INVALIDATION_UNDER_TEST === 'bus' ? 'bus' : 'tracking';
