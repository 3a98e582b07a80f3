import { Cluster } from 'ioredis';
import type { RedisClient } from '../../stores/redis-topology-client';
import { ClusterTracking } from './cluster-tracking';
import { RedisTrackingConnection } from './tracking-connection';
import { ownProbePrefix, TrackingPath, type TrackingEvents, type TrackingSource } from './tracking-path';

/**
 * Server-assisted invalidation for the store's client: one path on a standalone or Sentinel
 * Redis, one path per master on a Cluster. `commands` is the store's command connection: the
 * probes are written through it, the way this module's writes travel.
 */
export function createTrackingSource(
  commands: RedisClient,
  scopePrefix: string,
  probePrefix: string,
  events: TrackingEvents,
  log: (message: string) => void,
): TrackingSource {
  if (commands instanceof Cluster) return new ClusterTracking(commands, scopePrefix, probePrefix, events, log);
  const ownProbes = ownProbePrefix(probePrefix);
  const connection = new RedisTrackingConnection(commands, [scopePrefix, ownProbes]);
  return new TrackingPath(
    {
      open: (handlers) => connection.open(handlers),
      probe: RedisTrackingConnection.probeThrough(commands),
      restart: () => connection.restart(),
      close: () => connection.close(),
    },
    scopePrefix,
    ownProbes,
    events,
    log,
  );
}
