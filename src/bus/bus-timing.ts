/**
 * How often each process publishes a heartbeat on its own bus channel, through its
 * command connection, and expects to hear it back on its subscriber connection.
 */
export const BUS_HEARTBEAT_INTERVAL_MS = 500;

/**
 * A subscription that has not delivered this process's own heartbeat for this long is
 * treated as down, even without an error or a close: a half-open connection or a proxy
 * that stopped forwarding looks exactly like this.
 */
export const BUS_SILENCE_LIMIT_MS = 1500;

/**
 * The worst-case staleness of the hybrid backend: an invalidation lost at time T is
 * noticed at the first heartbeat check after T + BUS_SILENCE_LIMIT_MS, and from then on
 * L1 is bypassed until the bus is heard again (and L1 starts empty).
 */
export const BUS_STALENESS_BOUND_MS = BUS_SILENCE_LIMIT_MS + BUS_HEARTBEAT_INTERVAL_MS;
