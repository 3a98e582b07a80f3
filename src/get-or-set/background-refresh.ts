/** The factory contexts of refresh-ahead calls; a WeakSet, so a finished refresh leaves nothing behind. */
const refreshes = new WeakSet<object>();

/**
 * Marks `context` as the one of a background refresh: the callers already have their
 * value, so the call is not a miss. Tracing (src/otel) reads it; users never see it.
 */
export function markBackgroundRefresh<C extends object>(context: C): C {
  refreshes.add(context);
  return context;
}

export function isBackgroundRefresh(context: object): boolean {
  return refreshes.has(context);
}
