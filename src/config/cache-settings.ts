/**
 * Every setting the module reads, described once. The environment parser and the
 * static-options validator both walk this table, so a rule cannot drift between them.
 */
export type SettingKind =
  | { type: 'enum'; values: readonly string[] }
  | { type: 'int'; min?: number; max?: number }
  /** A number from 0 (included) to 1 (excluded). */
  | { type: 'fraction' }
  | { type: 'string'; nonEmpty?: boolean }
  | { type: 'bool' }
  | { type: 'list' }
  | { type: 'aesKey' }
  | { type: 'hostList' }
  | { type: 'redisUrl' }
  | { type: 'authorityUrl' }
  | { type: 'routePath' }
  /** A host name or IP address: never a URL, which may carry a password. */
  | { type: 'host' };

export interface SettingRule {
  /** Environment variable name. */
  env: string;
  /** Dotted path inside IdeaGraphCacheOptions. */
  path: string;
  kind: SettingKind;
  /** Secrets are never echoed back in an error. */
  secret?: boolean;
  /** An empty environment value counts as "not set" (for optional values). */
  emptyIsUnset?: boolean;
}

export const CACHE_SETTINGS: readonly SettingRule[] = [
  { env: 'CACHE_BACKEND', path: 'backend', kind: { type: 'enum', values: ['redis', 'hybrid', 'locmem', 'dummy'] } },
  { env: 'REDIS_HOST', path: 'redis.host', kind: { type: 'host' } },
  { env: 'REDIS_PORT', path: 'redis.port', kind: { type: 'int', min: 1, max: 65535 } },
  { env: 'REDIS_DB', path: 'redis.db', kind: { type: 'int', min: 0 } },
  { env: 'REDIS_PASSWORD', path: 'redis.password', kind: { type: 'string' }, secret: true, emptyIsUnset: true },
  { env: 'REDIS_COMMAND_TIMEOUT_MS', path: 'redis.commandTimeoutMs', kind: { type: 'int', min: 1, max: 60_000 } },
  { env: 'REDIS_CONNECT_TIMEOUT_MS', path: 'redis.connectTimeoutMs', kind: { type: 'int', min: 1, max: 60_000 } },
  { env: 'CACHE_REDIS_REQUIRED', path: 'redis.required', kind: { type: 'bool' } },
  { env: 'REDIS_AUTO_PIPELINING', path: 'redis.autoPipelining', kind: { type: 'bool' } },
  { env: 'REDIS_URL', path: 'redis.url', kind: { type: 'redisUrl' }, secret: true, emptyIsUnset: true },
  { env: 'REDIS_USERNAME', path: 'redis.username', kind: { type: 'string' }, emptyIsUnset: true },
  { env: 'REDIS_TLS', path: 'redis.tls', kind: { type: 'bool' } },
  { env: 'REDIS_TLS_CA_FILE', path: 'redis.tlsCaFile', kind: { type: 'string' }, emptyIsUnset: true },
  { env: 'REDIS_TLS_REJECT_UNAUTHORIZED', path: 'redis.tlsRejectUnauthorized', kind: { type: 'bool' } },
  { env: 'REDIS_SENTINELS', path: 'redis.sentinels', kind: { type: 'hostList' }, emptyIsUnset: true },
  { env: 'REDIS_SENTINEL_MASTER', path: 'redis.sentinelMaster', kind: { type: 'string' }, emptyIsUnset: true },
  { env: 'REDIS_CLUSTER_NODES', path: 'redis.clusterNodes', kind: { type: 'hostList' }, emptyIsUnset: true },
  { env: 'CACHE_DEFAULT_TIMEOUT', path: 'defaultTimeout', kind: { type: 'int', min: 1 } },
  { env: 'CACHE_KEY_PREFIX', path: 'keyPrefix', kind: { type: 'string' }, emptyIsUnset: true },
  { env: 'CACHE_VERSION', path: 'version', kind: { type: 'int' } },
  { env: 'CACHE_MAX_ENTRIES', path: 'maxEntries', kind: { type: 'int', min: 1 } },
  { env: 'CACHE_MAX_BYTES', path: 'maxBytes', kind: { type: 'int', min: 1 } },
  { env: 'CACHE_L1_MAX_ENTRIES', path: 'l1.maxEntries', kind: { type: 'int', min: 1 } },
  { env: 'CACHE_L1_MAX_BYTES', path: 'l1.maxBytes', kind: { type: 'int', min: 1 } },
  { env: 'CACHE_L1_TIMEOUT', path: 'l1.timeoutSeconds', kind: { type: 'int', min: 1, max: 86_400 } },
  {
    env: 'CACHE_L1_INVALIDATION',
    path: 'l1.invalidation',
    kind: { type: 'enum', values: ['auto', 'tracking', 'bus'] },
  },
  { env: 'CACHE_L1_VALUES', path: 'l1.values', kind: { type: 'enum', values: ['copy', 'frozen'] } },
  { env: 'CACHE_GRACE', path: 'getOrSet.grace', kind: { type: 'int', min: 0, max: 31_536_000 } },
  {
    env: 'CACHE_FACTORY_SOFT_TIMEOUT_MS',
    path: 'getOrSet.softTimeoutMs',
    kind: { type: 'int', min: 0, max: 3_600_000 },
  },
  {
    env: 'CACHE_FACTORY_HARD_TIMEOUT_MS',
    path: 'getOrSet.hardTimeoutMs',
    kind: { type: 'int', min: 1, max: 3_600_000 },
  },
  { env: 'CACHE_REFRESH_AHEAD', path: 'getOrSet.refreshAhead', kind: { type: 'fraction' } },
  { env: 'CACHE_FLEET_LOCK', path: 'getOrSet.fleetLock', kind: { type: 'bool' } },
  { env: 'CACHE_FAIL_SAFE_THROTTLE', path: 'getOrSet.failSafeThrottle', kind: { type: 'int', min: 1, max: 86_400 } },
  { env: 'CACHE_RECOVERY_MAX_KEYS', path: 'recoveryMaxKeys', kind: { type: 'int', min: 1, max: 10_000_000 } },
  { env: 'CACHE_MAX_VALUE_BYTES', path: 'maxValueBytes', kind: { type: 'int', min: 1, max: 512 * 1024 * 1024 } },
  { env: 'CACHE_VALUE_FORMAT', path: 'valueFormat', kind: { type: 'enum', values: ['json', 'django'] } },
  { env: 'CACHE_HEALTH_CACHE_MS', path: 'healthCacheMs', kind: { type: 'int', min: 0, max: 60_000 } },
  { env: 'CACHE_HEALTH_ENABLED', path: 'health.enabled', kind: { type: 'bool' } },
  { env: 'CACHE_HEALTH_PATH', path: 'health.path', kind: { type: 'routePath' } },
  { env: 'CACHE_HEALTH_DETAILS', path: 'health.details', kind: { type: 'bool' } },
  { env: 'CACHE_METRICS_ENABLED', path: 'metrics.enabled', kind: { type: 'bool' } },
  { env: 'CACHE_METRICS_PATH', path: 'metrics.path', kind: { type: 'routePath' } },
  { env: 'CACHE_OTEL_ENABLED', path: 'otel.enabled', kind: { type: 'bool' } },
  { env: 'CACHE_OTEL_KEYS', path: 'otel.includeKeys', kind: { type: 'bool' } },
  { env: 'GRAPH_TENANT_ID', path: 'graph.tenantId', kind: { type: 'string' }, emptyIsUnset: true },
  { env: 'GRAPH_CLIENT_ID', path: 'graph.clientId', kind: { type: 'string' }, emptyIsUnset: true },
  {
    env: 'GRAPH_CLIENT_SECRET',
    path: 'graph.clientSecret',
    kind: { type: 'string' },
    secret: true,
    emptyIsUnset: true,
  },
  {
    env: 'GRAPH_CLIENT_CERTIFICATE_FILE',
    path: 'graph.clientCertificateFile',
    kind: { type: 'string' },
    emptyIsUnset: true,
  },
  { env: 'GRAPH_AUTHORITY_HOST', path: 'graph.authorityHost', kind: { type: 'authorityUrl' } },
  { env: 'GRAPH_AUTHORITY_METADATA', path: 'graph.authorityMetadata', kind: { type: 'string' }, emptyIsUnset: true },
  { env: 'GRAPH_SCOPES', path: 'graph.scopes', kind: { type: 'list' } },
  { env: 'GRAPH_TOKEN_CACHE_KEY', path: 'graph.cacheKey', kind: { type: 'string', nonEmpty: true } },
  { env: 'GRAPH_TOKEN_CACHE_DURATION', path: 'graph.cacheDurationSeconds', kind: { type: 'int', min: 1 } },
  { env: 'GRAPH_TOKEN_TIMEOUT_MS', path: 'graph.requestTimeoutMs', kind: { type: 'int', min: 1, max: 120_000 } },
  {
    env: 'GRAPH_TOKEN_ENCRYPTION_KEY',
    path: 'graph.encryptionKey',
    kind: { type: 'aesKey' },
    secret: true,
    emptyIsUnset: true,
  },
  {
    env: 'GRAPH_TOKEN_ENCRYPTION_KEY_PREVIOUS',
    path: 'graph.previousEncryptionKey',
    kind: { type: 'aesKey' },
    secret: true,
    emptyIsUnset: true,
  },
];

/** Human description of what a rule allows, used in error messages. */
export function describeAllowed(kind: SettingKind): string {
  switch (kind.type) {
    case 'enum':
      return `one of ${kind.values.join(', ')} (any case)`;
    case 'int':
      if (kind.min !== undefined && kind.max !== undefined) return `an integer from ${kind.min} to ${kind.max}`;
      if (kind.min !== undefined) return `an integer >= ${kind.min}`;
      return 'an integer';
    case 'fraction':
      return 'a number from 0 up to, not including, 1 (0 = off)';
    case 'string':
      return kind.nonEmpty ? 'a non-empty string' : 'a string';
    case 'bool':
      return 'true or false';
    case 'list':
      return 'a non-empty comma- or space-separated list';
    case 'aesKey':
      return 'a 32-byte key, base64 or hex encoded';
    case 'hostList':
      return 'a comma-separated list of host:port with ports from 1 to 65535';
    case 'redisUrl':
      return 'a redis:// or rediss:// URL';
    case 'authorityUrl':
      return 'an https:// URL such as https://login.microsoftonline.com';
    case 'routePath':
      return 'a route path such as health/cache or metrics: segments of letters, digits and - . _ ~ separated by /';
    case 'host':
      return 'a host name or IP address, such as redis.internal or 10.0.0.5';
  }
}

/** The rule of the setting stored at `path` in IdeaGraphCacheOptions. */
export function settingAt(path: string): SettingRule {
  const rule = CACHE_SETTINGS.find((candidate) => candidate.path === path);
  if (!rule) throw new Error(`no setting at ${path}`);
  return rule;
}
