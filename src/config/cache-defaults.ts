import { DEFAULT_LOCMEM_MAX_BYTES } from './locmem-bounds';
import type { IdeaGraphCacheOptions } from './cache-options';

export const DEFAULT_GRAPH_SCOPES = ['https://graph.microsoft.com/.default'];

/** The documented defaults; every source of options (environment or forRoot) starts from these. */
export function defaultCacheOptions(): IdeaGraphCacheOptions {
  return {
    backend: 'locmem',
    redis: {
      host: 'localhost',
      port: 6379,
      db: 0,
      password: undefined,
      // 200 ms leaves room under the 250 ms promise for timer and scheduling jitter.
      commandTimeoutMs: 200,
      connectTimeoutMs: 1000,
      required: false,
      autoPipelining: true,
      url: undefined,
      username: undefined,
      tls: false,
      tlsCaFile: undefined,
      tlsRejectUnauthorized: true,
      sentinels: undefined,
      sentinelMaster: undefined,
      clusterNodes: undefined,
      clusterNatMap: undefined,
    },
    defaultTimeout: 300,
    keyPrefix: '',
    version: 1,
    // Django's locmem keeps 300; a Nest process serving many keys wants more, and 10k
    // short JSON values stay in the low megabytes (docs/benchmarks.md measures RSS).
    maxEntries: 10_000,
    // Entries alone do not bound memory (10,000 values of 1 MiB are 10 GiB); why 64 MiB: locmem-bounds.ts.
    maxBytes: DEFAULT_LOCMEM_MAX_BYTES,
    // A minute: long enough that hot keys are read from memory almost always, short enough
    // that an entry whose invalidation was lost (a process that died between its write and
    // its publish) is gone soon. docs/hybrid.md says how to choose it.
    // Fail-safe and refresh-ahead are opt-in: they change what a caller may get (a stale
    // value). The hard timeout ends the wait on a factory that hangs; 30 s is longer than
    // any sane database query or HTTP call, and far shorter than "forever".
    getOrSet: {
      grace: 0,
      softTimeoutMs: 0,
      hardTimeoutMs: 30_000,
      refreshAhead: 0,
      fleetLock: true,
      failSafeThrottle: 10,
    },
    // Copies: a caller that changes what it read changes nothing else, as it always could.
    l1: {
      maxEntries: 10_000,
      maxBytes: DEFAULT_LOCMEM_MAX_BYTES,
      timeoutSeconds: 60,
      invalidation: 'auto',
      values: 'copy',
    },
    // 10k keys cost about 1 MB of memory while remembered and drain in 20 round trips.
    recoveryMaxKeys: 10_000,
    // 1 MiB, the same cap .NET HybridCache applies by default.
    maxValueBytes: 1024 * 1024,
    // JSON stays readable in redis-cli and costs no pickle code on the read path; django is opt-in for a Redis shared with Django.
    valueFormat: 'json',
    healthCacheMs: 1000,
    // Mounted where load balancers, the Dockerfile and the docs already look; but the
    // route is unauthenticated, so by default it says only up or down, the backend,
    // the latency and the fault kind, never where Redis lives.
    health: { enabled: true, path: 'health/cache', details: false },
    metrics: { enabled: false, path: 'metrics' },
    // Off: an app that has not set up OpenTelemetry pays nothing. Keys stay off spans even
    // when it is on: they often carry personal data, and every distinct key is a new value to store.
    otel: { enabled: false, includeKeys: false },
    graph: {
      tenantId: undefined,
      clientId: undefined,
      clientSecret: undefined,
      clientCertificateFile: undefined,
      authorityHost: 'https://login.microsoftonline.com',
      authorityMetadata: undefined,
      scopes: [...DEFAULT_GRAPH_SCOPES],
      cacheKey: 'graph_token_cache',
      cacheDurationSeconds: 3300,
      requestTimeoutMs: 5000,
      encryptionKey: undefined,
      previousEncryptionKey: undefined,
      msal: undefined,
    },
  };
}
