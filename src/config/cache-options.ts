import type { Configuration as MsalConfiguration } from '@azure/msal-node';

/**
 * The interchangeable backends: the three of IdeaGraph's Django settings, and `hybrid`, an
 * in-process L1 in front of Redis kept coherent across processes by a Redis pub/sub bus.
 */
export type CacheBackendName = 'redis' | 'hybrid' | 'locmem' | 'dummy';

/**
 * How values are stored: `json` (readable in redis-cli), or `django`, the format of
 * Django's RedisCache (decimal integers, pickles of everything else), for a Redis shared
 * with IdeaGraph's Django app. docs/migration.md#share-values-with-django.
 */
export type CacheValueFormat = 'json' | 'django';

/** Module-wide defaults of getOrSet; each call can override them (docs/get-or-set.md). */
export interface GetOrSetDefaults {
  /** Seconds an entry stays stored after its timeout, to be served if the factory fails (0 = off). */
  grace: number;
  /** With a stale value at hand, the longest a caller waits for the factory before it gets the stale value (0 = off). */
  softTimeoutMs: number;
  /** Without a stale value, the longest a caller waits for the factory before CacheFactoryTimeoutError. */
  hardTimeoutMs: number;
  /** Fraction of the timeout after which the first caller starts one background refresh (0 = off). */
  refreshAhead: number;
  /** On redis and hybrid: concurrent cold callers in every process share one factory call. */
  fleetLock: boolean;
  /** Seconds a stale value served after a factory failure counts as fresh, so the factory is not retried on every call. */
  failSafeThrottle: number;
}

/** The in-process tier of the hybrid backend. */
export interface L1Options {
  /** Entry bound (least recently used entries are evicted). */
  maxEntries: number;
  /** Byte bound, counted as for locmem. */
  maxBytes: number;
  /** The longest an entry lives in L1, in seconds; it never outlives its Redis TTL either. */
  timeoutSeconds: number;
  /**
   * How L1 learns of changes made elsewhere (docs/hybrid.md#two-paths): `tracking`, Redis's
   * own reports of every change (CLIENT TRACKING), which fails startup where Redis does not
   * allow it; `bus`, this module's pub/sub messages, which see only this module's writes;
   * `auto`, tracking where Redis allows it, else the bus with one warning.
   */
  invalidation: L1InvalidationSetting;
  /**
   * What a read from memory (L1, locmem) hands out: `copy`, a fresh copy on every read; or
   * `frozen`, one deep-frozen value per stored text, the same for every read (docs/hybrid.md).
   * Also applies to the locmem and redis backends.
   */
  values: L1ValueMode;
}

export type L1InvalidationSetting = 'auto' | 'tracking' | 'bus';

export type L1ValueMode = 'copy' | 'frozen';

/** Connection settings for the Redis backend. */
export interface RedisConnectionOptions {
  host: string;
  port: number;
  db: number;
  /** Never logged, never reported by getBackendInfo or /health/cache. */
  password?: string;
  /** Upper bound in milliseconds for any single cache call that reaches Redis. */
  commandTimeoutMs: number;
  /** Upper bound in milliseconds for opening a TCP connection. */
  connectTimeoutMs: number;
  /** When true, startup waits for Redis and fails if it does not answer. */
  required: boolean;
  /** Batch several commands issued in the same tick into one write (measured faster, see docs/benchmarks.md). */
  autoPipelining: boolean;
  /** `redis://` or `rediss://user:password@host:port/db`; wins over host/port/db/password. Never logged. */
  url?: string;
  /** ACL user name. */
  username?: string;
  tls: boolean;
  /** PEM file with the CA that signed the server certificate. */
  tlsCaFile?: string;
  tlsRejectUnauthorized: boolean;
  /** Sentinel addresses; with `sentinelMaster`, selects Sentinel mode. */
  sentinels?: RedisNodeAddress[];
  sentinelMaster?: string;
  /** Cluster seed nodes; selects Cluster mode. */
  clusterNodes?: RedisNodeAddress[];
  /**
   * Cluster only: where to reach each node that CLUSTER SLOTS announces, keyed by the
   * announced `host:port` (IPv6 without brackets, as Redis announces it). For nodes behind
   * NAT, port forwarding or a proxy, whose own addresses the app cannot reach.
   */
  clusterNatMap?: Record<string, RedisNodeAddress>;
}

export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** The optional Prometheus endpoint. */
export interface CacheMetricsOptions {
  enabled: boolean;
  path: string;
}

/** OpenTelemetry spans and metrics (docs/opentelemetry.md); needs the optional `@opentelemetry/api`. */
export interface CacheOtelOptions {
  enabled: boolean;
  /** Put the cache key on spans. Keys often hold user ids or e-mail addresses, so this is opt-in. */
  includeKeys: boolean;
}

/** The built-in `GET /health/cache` endpoint. */
export interface CacheHealthOptions {
  /** Map the route at all. When false nothing is served there; CacheHealthService and the Terminus indicator still work. */
  enabled: boolean;
  /** Route path, stored without leading or trailing slash; a global prefix applies. */
  path: string;
  /**
   * Add the backend class, key prefix, version, default timeout and the Redis host, port,
   * db, nodes and TLS flag to the report (the Terminus indicator's too). Never a password.
   */
  details: boolean;
}

/** Settings of the Microsoft Graph app-token service. Every field may be absent: only a token request needs them. */
export interface GraphTokenOptions {
  tenantId?: string;
  clientId?: string;
  /** Never logged, never part of an error. */
  clientSecret?: string;
  /** PEM file with the app's certificate and its unencrypted private key; the alternative to a secret. */
  clientCertificateFile?: string;
  authorityHost: string;
  /**
   * The authority's OpenID configuration (JSON text, or the path of a file holding it) for
   * msal-node's `auth.authorityMetadata`. When set, the authority host is also one of
   * msal-node's `knownAuthorities`, so no instance discovery is asked of Microsoft.
   */
  authorityMetadata?: string;
  scopes: string[];
  cacheKey: string;
  /** Upper bound, in seconds, for how long a token stays in the shared cache. */
  cacheDurationSeconds: number;
  /** Upper bound for one token request to Entra ID. */
  requestTimeoutMs: number;
  /** 32-byte AES-256-GCM key; when set the cached token is encrypted at rest. */
  encryptionKey?: Buffer;
  /** A second key entries are also read with (never written with), for a rolling key change. */
  previousEncryptionKey?: Buffer;
  /** Deep-merged into the msal-node configuration (proxy, logger, authorityMetadata ...). */
  msal?: DeepPartial<MsalConfiguration>;
}

/** Fully resolved module options. `cacheOptionsFromConfig` returns one of these. */
export interface IdeaGraphCacheOptions {
  backend: CacheBackendName;
  redis: RedisConnectionOptions;
  /** Seconds; used when a call gives no timeout. */
  defaultTimeout: number;
  keyPrefix: string;
  version: number;
  /** Entry bound of the locmem backend (least recently used entries are evicted). */
  maxEntries: number;
  /** Byte bound of the locmem backend: characters count 2 bytes each, plus a small overhead per entry. */
  maxBytes: number;
  getOrSet: GetOrSetDefaults;
  /** The hybrid backend's L1; ignored by the other backends. */
  l1: L1Options;
  /**
   * Most keys whose failed writes are remembered during an outage and deleted once the
   * backend answers again; past it, recovery clears this cache's prefix and version instead.
   */
  recoveryMaxKeys: number;
  /** Largest encoded value, in bytes, that a set accepts. */
  maxValueBytes: number;
  /** How values are stored; `django` shares them with Django's RedisCache. */
  valueFormat: CacheValueFormat;
  /** How long /health/cache may reuse a successful probe, in milliseconds (0 = probe every request). */
  healthCacheMs: number;
  health: CacheHealthOptions;
  metrics: CacheMetricsOptions;
  otel: CacheOtelOptions;
  graph: GraphTokenOptions;
}

/** What `forRoot` / `useFactory` may return: any field left out takes its documented default. */
// An interface, not a type alias: declaration files then name it instead of spelling out
// the expanded type, which would import msal-common paths a consumer cannot resolve.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the reason above
export interface IdeaGraphCacheModuleOptions extends DeepPartial<IdeaGraphCacheOptions> {}

export type DeepPartial<T> = T extends Buffer | string[] | RedisNodeAddress[] | ((...args: never[]) => unknown)
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;
