import { type Contender, withInFlight } from './rounds';

/** How the throughput rows load a cache: this many calls outstanding, this many per measured batch. */
export interface InFlightLoad {
  inFlight: number;
  batch: number;
}

/**
 * A contender whose every call runs one batch of `load.batch` operations, `load.inFlight`
 * at a time, then gives the event loop one turn. In-process hits need no I/O, so without
 * the turn batch after batch never reached timers and sockets, and the hybrid backend
 * stopped hearing its own bus (see the hybrid rows); every contender gets the same turn.
 * `op` receives a running count, to pick its key from.
 */
export function inFlightBatches(name: string, load: InFlightLoad, op: (n: number) => Promise<unknown>): Contender {
  let next = 0;
  return {
    name,
    opsPerCall: load.batch,
    run: async () => {
      await withInFlight(load.inFlight, load.batch, () => op(next++));
      await new Promise((resolve) => setImmediate(resolve));
    },
  };
}
