import type { RecoveryCounters } from './write-recovery';

export interface GuardSettings {
  /** Display name of the backend in log lines ("redis", "locmem"). */
  backend: string;
  commandTimeoutMs: number;
  failureThreshold: number;
  cooldownMs: number;
  /** Most failed writes remembered for recovery (CACHE_RECOVERY_MAX_KEYS). */
  recoveryMaxKeys: number;
  /** This cache's `prefix:version:`: what an overflowing recovery queue clears. */
  scopePrefix: string;
}

export type ProbeResult = { ok: true; latencyMs: number } | { ok: false; error: string };

/** Counters the guard keeps for getStats and metrics. */
export interface GuardCounters {
  errors: number;
  timeouts: number;
  shortCircuited: number;
  /** Reads answered, on a backend fault, with what the process still held (the hybrid's L1). */
  staleIfError: number;
}

/** What getStats reports of the recovery of failed writes. */
export interface RecoveryStats extends RecoveryCounters {
  /** Keys and clears still waiting for the backend. */
  pending: number;
}
