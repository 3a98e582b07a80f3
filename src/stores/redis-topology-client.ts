import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import Redis, { Cluster, type DNSLookupFunction, type RedisOptions } from 'ioredis';
import type { RedisTopology } from './redis-topology';

/** Either kind of ioredis client; both speak the same commands. */
export type RedisClient = Redis | Cluster;

/**
 * Builds the ioredis client for a topology. `base` carries the time bounds, retry and
 * offline-queue choices for one connection; they are applied to every node, Sentinel
 * and cluster connection alike, so no mode waits longer than standalone does.
 */
export function createTopologyClient(topology: RedisTopology, base: RedisOptions): RedisClient {
  const credentials = {
    username: topology.username,
    password: topology.password,
    tls: topology.tls ? tlsOptions(topology) : undefined,
  };
  switch (topology.mode) {
    case 'standalone':
      return new Redis({ ...base, ...topology.nodes[0], db: topology.db, ...credentials });
    case 'sentinel':
      return new Redis(sentinelOptions(topology, base, credentials));
    case 'cluster':
      return createCluster(topology, base, credentials);
  }
}

function sentinelOptions(
  topology: RedisTopology,
  base: RedisOptions,
  credentials: Partial<RedisOptions>,
): RedisOptions {
  const { host: _host, port: _port, ...rest } = base;
  return {
    ...rest,
    ...credentials,
    db: topology.db,
    sentinels: topology.nodes,
    name: topology.sentinelMaster,
    enableTLSForSentinelMode: topology.tls,
    sentinelTLS: credentials.tls,
    // ioredis gives up for good once this returns null; a cache must keep trying.
    sentinelRetryStrategy: (attempt) => base.retryStrategy?.(attempt) ?? 500,
    sentinelCommandTimeout: base.connectTimeout,
    // Subscribes to +switch-master on the Sentinels, so the client moves to the new
    // master as soon as the failover is announced instead of waiting for an error.
    failoverDetector: true,
    // A demoted master answers writes with READONLY until its clients are killed;
    // reconnecting asks the Sentinels again and finds the new master.
    reconnectOnError: (error) => /READONLY/.test(error.message),
  };
}

function createCluster(topology: RedisTopology, base: RedisOptions, credentials: Partial<RedisOptions>): Cluster {
  const {
    host: _host,
    port: _port,
    db: _db,
    retryStrategy,
    enableOfflineQueue,
    enableAutoPipelining,
    lazyConnect: _lazyConnect,
    ...nodeOptions
  } = base;
  return new Cluster(topology.nodes, {
    ...(topology.natMap ? { natMap: topology.natMap } : {}),
    ...(topology.tls ? { dnsLookup: keepHostName } : {}),
    lazyConnect: true,
    enableOfflineQueue,
    enableAutoPipelining,
    clusterRetryStrategy: (attempt) => retryStrategy?.(attempt) ?? 500,
    // The default of 1 s per refresh exceeds a call's time bound; a refresh is one small command.
    slotsRefreshTimeout: base.connectTimeout,
    // ioredis 6 leaves the periodic refresh off (its docs say 5000), so a failover or a new
    // replica that causes no error would never be seen: the health census and an open
    // breaker, which send nothing but pings, depend on it.
    slotsRefreshInterval: 5000,
    redisOptions: {
      ...nodeOptions,
      ...credentials,
      ...(topology.tls ? { tls: clusterNodeTls(topology, credentials.tls) } : {}),
    },
  });
}

/**
 * With TLS, the seed host names must survive: ioredis otherwise resolves them to IPs
 * before it connects, and the certificate is then checked against an IP. Keeping the name
 * is what ioredis documents for AWS ElastiCache with TLS.
 */
const keepHostName: DNSLookupFunction = (hostname, callback) => callback(null, hostname);

/**
 * The nodes learned from CLUSTER SLOTS are addressed by IP, so each certificate is checked
 * against the seed's host name instead (SNI and identity): managed clusters issue one
 * certificate (a wildcard or a SAN list) that covers it. With IP seeds there is no name to
 * give, and Node checks the IPs against the certificate's IP SANs as before.
 */
function clusterNodeTls(topology: RedisTopology, tls: ConnectionOptions | undefined): ConnectionOptions {
  const named = topology.nodes.find((node) => isIP(node.host) === 0);
  return { ...tls, ...(named ? { servername: named.host } : {}) };
}

function tlsOptions(topology: RedisTopology): ConnectionOptions {
  return {
    ...(topology.tlsCaFile ? { ca: [readFileSync(topology.tlsCaFile)] } : {}),
    rejectUnauthorized: topology.tlsRejectUnauthorized,
  };
}
