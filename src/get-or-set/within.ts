/** A computation's outcome within a bound. */
export type Bounded<T> = { kind: 'value'; value: T } | { kind: 'error'; error: unknown } | { kind: 'timeout' };

/** Settles with `work`'s outcome, or with 'timeout' after `ms`; `work` runs on either way. */
export function within<T>(work: Promise<T>, ms: number): Promise<Bounded<T>> {
  return new Promise((resolve) => {
    // unref: a factory that hangs must not keep a process that is shutting down alive.
    const timer = setTimeout(() => resolve({ kind: 'timeout' }), ms).unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve({ kind: 'value', value });
      },
      (error: unknown) => {
        clearTimeout(timer);
        resolve({ kind: 'error', error });
      },
    );
  });
}
