/** Waiters per key, woken by whatever delivers other processes' announcements (the invalidation bus). */
export class KeyChangeWaiters {
  private readonly waiting = new Map<string, Set<() => void>>();

  wait(storeKeys: string | readonly string[], maxMs: number): Promise<boolean> {
    const keys = typeof storeKeys === 'string' ? [storeKeys] : storeKeys;
    return new Promise((resolve) => {
      const done = (changed: boolean) => {
        clearTimeout(timer);
        for (const key of keys) {
          const set = this.waiting.get(key);
          set?.delete(wake);
          if (set?.size === 0) this.waiting.delete(key);
        }
        resolve(changed);
      };
      const wake = () => done(true);
      const timer = setTimeout(() => done(false), maxMs);
      for (const key of keys) {
        let set = this.waiting.get(key);
        if (!set) {
          set = new Set();
          this.waiting.set(key, set);
        }
        set.add(wake);
      }
    });
  }

  /** These keys changed: wakes their waiters. Cheap when nobody waits (the common case). */
  changed(storeKeys: readonly string[]): void {
    if (this.waiting.size === 0) return;
    for (const key of storeKeys) for (const wake of [...(this.waiting.get(key) ?? [])]) wake();
  }

  /** Everything changed (a clear): wakes every waiter. */
  changedAll(): void {
    for (const set of [...this.waiting.values()]) for (const wake of [...set]) wake();
  }
}
