/**
 * Tells processes that a key they wait for was written: a fleet-lock holder announces the
 * key it stored, and the processes waiting on its lock read it at once instead of polling.
 */
export interface KeyChangeFeed {
  /** Tells every other process that `storeKey` changed. */
  announce(storeKey: string): void;
  /** Resolves true when another process announces one of `storeKeys`, false after `maxMs`. */
  wait(storeKeys: string | readonly string[], maxMs: number): Promise<boolean>;
}
