import type { Logger } from '@nestjs/common';

/** The same cache-entry problem is logged at most this often. */
const PROBLEM_LOG_INTERVAL_MS = 60_000;
const MAX_REMEMBERED_PROBLEMS = 100;

/** Warnings about a cache entry, each message at most once a minute: a bad entry is read on every request. */
export class ProblemLog {
  private readonly logged = new Map<string, number>();

  constructor(private readonly logger: Logger) {}

  warn(message: string): void {
    const now = Date.now();
    if (now - (this.logged.get(message) ?? 0) < PROBLEM_LOG_INTERVAL_MS) return;
    // A message can carry text from the store: an entry rewritten with a new tenant each time
    // must not grow this map without bound (at worst, more lines are logged).
    if (this.logged.size >= MAX_REMEMBERED_PROBLEMS) this.logged.clear();
    this.logged.set(message, now);
    this.logger.warn(message);
  }
}
