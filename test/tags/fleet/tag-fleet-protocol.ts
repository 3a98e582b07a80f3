import type { TaggedWrite } from './tagged-workload';

/** Key → value as JSON text, for the keys a read found. */
export type Readings = Record<string, string>;

/** How a process reads: one get per key, one getMany, or one getOrSet per key whose factory only records that it ran. */
export type ReadVia = 'get' | 'getMany' | 'getOrSet';

/** What one read of a process found, and what it cost its tiers. */
export interface ReadOutcome {
  readings: Readings;
  /** Keys whose getOrSet factory ran. */
  factoryRuns: string[];
  /** Change of getStats().tiers during the read (hybrid only). */
  tiers?: { l1Hits: number; l2Hits: number };
}

/** Reads `gone` and `kept` over and over until no key of `gone` is found, or `boundMs` passes. */
export interface MissWatch {
  gone: string[];
  kept: Readings;
  boundMs: number;
}

/** What a process saw while it watched. Times are wall-clock ms with sub-ms precision (wallClockMs). */
export interface MissWatchOutcome {
  worker: number;
  firstReadAt: number;
  /** End of the first round of reads (get of each key, then one getMany) in which every key of `gone` missed; null if none within the bound. */
  allMissedAt: number | null;
  /** When the first read that missed a key of `gone` was sent (a round's gets, or its getMany after them). */
  firstMissSentAt: number | null;
  /** When the last read that still found a key of `gone` was sent: the old entries were served until then. */
  lastServedSentAt: number | null;
  rounds: number;
  /** Rounds in which a key of `kept` did not read its value, and the first such reading. */
  keptWrong: number;
  keptWrongExample?: string;
}

/** Parent to worker, over the IPC channel of `child_process.fork`. */
export type TagCommand =
  /** Closes the app this process runs, if any, and boots one configured from `env`. */
  | { id: number; type: 'boot'; env: Record<string, string> }
  | { id: number; type: 'write'; writes: TaggedWrite[]; timeout: number }
  | { id: number; type: 'read'; keys: string[]; via: ReadVia }
  | { id: number; type: 'watch'; watch: MissWatch }
  | { id: number; type: 'invalidate'; tags: string[] }
  /** getOrSet of each key with a factory that answers `{ key, recomputedBy }`. */
  | { id: number; type: 'recompute'; keys: string[]; tags: string[]; timeout: number }
  /** Closes the app; the process then ends. */
  | { id: number; type: 'close' };

/** Worker to parent. `id` is that of the command answered. */
export type TagReply =
  | { type: 'ready' }
  | { id: number; type: 'booted' }
  | { id: number; type: 'written'; results: boolean[] }
  | { id: number; type: 'read-done'; outcome: ReadOutcome }
  | { id: number; type: 'watched'; outcome: MissWatchOutcome }
  | { id: number; type: 'invalidated'; ok: boolean; startedAt: number; returnedAt: number }
  | { id: number; type: 'recomputed'; values: Readings }
  | { id: number; type: 'closed' }
  | { id: number; type: 'failed'; error: string };

/** How the parent tells the worker who it is. */
export const WORKER_INDEX_VARIABLE = 'TAGS_FLEET_INDEX';
