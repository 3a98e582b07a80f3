/** Raised when a backend call outlives its bound. */
export class CacheTimeoutError extends Error {
  override readonly name = 'CacheTimeoutError';
  readonly code = 'ETIMEDOUT';

  constructor(readonly boundMs: number) {
    super(`no answer within ${boundMs} ms`);
  }
}

/**
 * Settles like `call`, or calls `onTimeout` once `boundMs` has passed; whichever comes
 * first wins and the other is ignored. One timer per call, cleared the moment the call
 * settles: measured cheaper than one shared timer over a FIFO of calls, which keeps every
 * finished call alive until its deadline (docs/benchmarks.md, "time bound" rows).
 */
export function settleWithin<T, R>(
  call: Promise<T>,
  boundMs: number,
  onValue: (value: T) => R,
  onError: (error: unknown) => R,
  pending?: Set<() => void>,
): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    let settled = false;
    const finish = (outcome: () => R): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      pending?.delete(abort);
      try {
        resolve(outcome());
      } catch (error) {
        reject(error);
      }
    };
    // `pending` lets the owner settle every waiting call at once (at shutdown) as a timeout.
    const abort = (): void => finish(() => onError(new CacheTimeoutError(boundMs)));
    const timer = setTimeout(abort, boundMs);
    pending?.add(abort);
    call.then(
      (value) => finish(() => onValue(value)),
      (error: unknown) => finish(() => onError(error)),
    );
  });
}

/** `call`, or a CacheTimeoutError after `boundMs`. */
export function withinBound<T>(call: Promise<T>, boundMs: number): Promise<T> {
  return settleWithin(
    call,
    boundMs,
    (value) => value,
    (error) => {
      throw error;
    },
  );
}
