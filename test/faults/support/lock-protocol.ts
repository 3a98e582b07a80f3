import type { RecoveryStats } from '../../../src/resilience/guarded-store';

/** What the owned-lock recovery test asks one app process (lock-worker.ts). */
export type LockCommand =
  | { id: number; type: 'try-lock'; key: string; ttlMs: number }
  | { id: number; type: 'add'; key: string; value: string; timeout: number }
  | { id: number; type: 'recovery' };

export type LockReply =
  | { id: number; type: 'lock'; kind: 'acquired' | 'held' | 'unavailable'; owner?: string }
  | { id: number; type: 'added'; added: boolean }
  | { id: number; type: 'recovery'; stats: RecoveryStats };
