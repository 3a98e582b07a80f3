/**
 * How often each process publishes a heartbeat on its own bus channel, through its
 * command connection, and expects to hear it back on its subscriber connection.
 */
export const BUS_HEARTBEAT_INTERVAL_MS = 500;

/**
 * A subscription that has not delivered a heartbeat of this process this long after it was
 * sent is treated as down, even without an error or a close: a half-open connection or a
 * proxy that stopped forwarding looks exactly like this.
 */
export const BUS_SILENCE_LIMIT_MS = 1500;

/**
 * The worst-case staleness of the hybrid backend: after an invalidation lost at time T,
 * the next heartbeat leaves by T + BUS_HEARTBEAT_INTERVAL_MS, its absence is noticed
 * BUS_SILENCE_LIMIT_MS later, and from then on L1 is bypassed until the bus is heard again
 * (and L1 starts empty). It assumes the process's event loop turns: one that runs no timers
 * and reads no sockets hears nothing at all meanwhile.
 */
export const BUS_STALENESS_BOUND_MS = BUS_SILENCE_LIMIT_MS + BUS_HEARTBEAT_INTERVAL_MS;
