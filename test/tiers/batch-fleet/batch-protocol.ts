/**
 * Messages between a big-batch test and one app process (batch-worker.ts). A process
 * writes whole batches, or watches some keys: it reads them over and over with getMany and
 * notes, per round, when the round started and how many keys still held a stale value.
 */
export type BatchCommand =
  | { id: number; type: 'set-many'; keys: string[]; value: string; timeoutSeconds: number | null }
  | { id: number; type: 'delete-many'; keys: string[] }
  | { id: number; type: 'set-tagged'; entries: [key: string, tag: string][]; value: string }
  | { id: number; type: 'invalidate-tags'; tags: string[] }
  | { id: number; type: 'watch'; keys: string[]; stale: string }
  | { id: number; type: 'unwatch' }
  | { id: number; type: 'read'; keys: string[] };

/** One round of a watch: [Date.now() when it started, keys that held the stale value]. */
export type WatchRound = [startedAt: number, staleKeys: number];

export type BatchReply =
  | { id: number; type: 'written'; ok: boolean; returnedAt: number }
  | { id: number; type: 'watching' }
  | { id: number; type: 'watched'; rounds: WatchRound[] }
  | { id: number; type: 'values'; values: (string | null)[] };
