import { L1_INVALIDATION_UNDER_TEST } from '../../helpers/l1-invalidation';
import { L1_VALUES_UNDER_TEST, l1ValuesEnv } from '../../helpers/l1-values';

/** The caches' key prefix in every coherence test; the raw checks read `coherence:1:<key>`. */
export const KEY_PREFIX = 'coherence';
export const STORE_PREFIX = `${KEY_PREFIX}:1:`;

/**
 * A worker's environment: `connection` (REDIS_HOST, REDIS_CLUSTER_NODES ...) with the
 * backend under test, its values in the mode under test unless `extra` names one
 * (CACHE_L1_VALUES). Commands get 2 s: on a loaded 2-core machine a 200 ms bound times
 * out now and then, and a read that times out may be answered from L1 (stale-if-error),
 * which is the fault behaviour, not the coherence under test here.
 */
export function workerEnv(
  connection: Record<string, string>,
  backend: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...connection,
    CACHE_BACKEND: backend,
    CACHE_KEY_PREFIX: KEY_PREFIX,
    REDIS_COMMAND_TIMEOUT_MS: '2000',
    CACHE_L1_INVALIDATION: L1_INVALIDATION_UNDER_TEST,
    ...l1ValuesEnv(L1_VALUES_UNDER_TEST),
    ...extra,
  };
}

/** The backend these tests are about. */
export const BACKEND_UNDER_TEST = 'hybrid';

/**
 * How stale a read may be online, in ms. An invalidation reaches the other processes in
 * under a millisecond on loopback (the median stale read), and the bench measures p99
 * under 3 ms. But a worker whose event loop is starved cannot read its subscriber socket:
 * with two spec files, their workers and servers on 2 shared cores, stale reads of up to
 * about 1 s were measured under heavy load, with the code unchanged. This bound is about
 * coherence, not speed: well under the documented worst case (BUS_STALENESS_BOUND_MS, 2 s),
 * and a lost invalidation stays stale far longer (CACHE_L1_TIMEOUT). The convergence check
 * after each burst has no bound: it is exact.
 */
export const ONLINE_BOUND_MS = 1000;

/**
 * The seed of a scenario: COHERENCE_SEED replays a printed one (each figures line ends
 * with its seed), otherwise the test's own.
 */
export function scenarioSeed(own: number): number {
  const replay = process.env.COHERENCE_SEED;
  return replay === undefined || replay === '' ? own : Number(replay);
}
