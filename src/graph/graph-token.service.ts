import { Inject, Injectable, Logger } from '@nestjs/common';
import type { GraphTokenOptions, IdeaGraphCacheOptions } from '../config/cache-options';
import { redactSecrets } from '../common/redact-secrets';
import { CACHE_OPTIONS } from '../module/cache.tokens';
import { CacheManagerService } from '../service/cache-manager.service';
import { EntraTokenClient } from './entra-token.client';
import { FleetLock } from './fleet-lock';
import { GraphTokenError } from './graph-token.error';
import type { GetAccessTokenOptions, GraphTokenSource, GraphTokenStatus, HeldToken } from './graph-token.types';
import { TokenCacheEntryCodec } from './token-cache-entry';
import { EXPIRY_MARGIN_MS, holdToken } from './token-lifetime';

/** Beyond the token request's own bound, the lock covers the cache read and write around it. */
const LOCK_SLACK_MS = 1000;
/** First pause of a waiting process between looks at the cache; it grows to POLL_MAX_MS. */
const POLL_START_MS = 25;
const POLL_MAX_MS = 200;
/** After a failed background refresh, the next one waits this long (garbage answers come back fast). */
const REFRESH_RETRY_MS = 2000;
/** The same cache-entry problem is logged at most this often. */
const PROBLEM_LOG_INTERVAL_MS = 60_000;

type Mode = 'cold' | 'refresh' | 'force';

/**
 * Microsoft Graph app tokens (client credentials) for every process of an app:
 * memory first, then the shared cache, then one request to Entra ID per fleet, guarded by
 * a short lock in the cache. See docs/graph-tokens.md.
 */
@Injectable()
export class GraphTokenService {
  private readonly logger = new Logger('GraphTokenService');
  private readonly graph: GraphTokenOptions;
  private readonly entra: EntraTokenClient;
  private readonly codec: TokenCacheEntryCodec;
  private readonly lock: FleetLock;
  private readonly lockTtlMs: number;
  private held: HeldToken | undefined;
  /** The value the held token has in the shared cache, for a compare-and-delete on invalidate. */
  private heldStored: unknown;
  /** Rejected by Graph (invalidate): never adopted again, even if a cache still holds it. */
  private invalidatedToken: string | undefined;
  private obtaining: Promise<HeldToken> | undefined;
  private forcing: Promise<HeldToken> | undefined;
  private refreshing = false;
  private refreshBlockedUntil = 0;
  private lastSource: GraphTokenSource | undefined;
  private lastError: GraphTokenStatus['lastError'];
  private readonly loggedProblems = new Map<string, number>();
  private readonly counters = { memoryHits: 0, cacheHits: 0, networkFetches: 0, networkFailures: 0, lockWaits: 0 };

  constructor(
    @Inject(CACHE_OPTIONS) options: IdeaGraphCacheOptions,
    private readonly cache: CacheManagerService,
  ) {
    this.graph = options.graph;
    const redact = (text: string) => redactSecrets(text, [this.graph.clientSecret]);
    this.entra = new EntraTokenClient(this.graph, this.logger, redact);
    this.codec = new TokenCacheEntryCodec(
      { tenantId: this.graph.tenantId ?? '', clientId: this.graph.clientId ?? '', scopes: this.graph.scopes },
      this.graph.cacheKey,
      this.graph.cacheDurationSeconds,
      this.graph.encryptionKey,
    );
    this.lockTtlMs = this.graph.requestTimeoutMs + LOCK_SLACK_MS;
    this.lock = new FleetLock(cache, `${this.graph.cacheKey}:lock`, this.lockTtlMs);
  }

  /**
   * A token for Microsoft Graph with at least 5 minutes of life left. Rejects with
   * GraphTokenError when none can be had; a cache fault alone never makes it reject.
   */
  getAccessToken(options: GetAccessTokenOptions = {}): Promise<string> {
    if (options.forceRefresh) return this.forceRefresh();
    const held = this.held;
    if (held) {
      const now = Date.now();
      if (now < held.usableUntil) {
        this.counters.memoryHits++;
        this.lastSource = 'memory';
        if (now >= held.refreshFrom) this.refreshInBackground(held);
        return Promise.resolve(held.accessToken);
      }
    }
    this.obtaining ??= this.obtain('cold').finally(() => (this.obtaining = undefined));
    return this.obtaining.then((token) => token.accessToken);
  }

  /**
   * Forgets the token, in memory and in the shared cache, after Graph answered 401. The
   * cache entry is removed only if it still holds this process's token, so a replacement
   * another process just fetched survives.
   */
  async invalidate(): Promise<void> {
    const held = this.held;
    const stored = this.heldStored;
    this.held = undefined;
    this.heldStored = undefined;
    if (held) this.invalidatedToken = held.accessToken;
    if (held && stored !== undefined) await this.cache.deleteIfEquals(this.graph.cacheKey, stored);
    else await this.cache.delete(this.graph.cacheKey);
  }

  /** What operators want to know. Never a token or a secret. */
  get status(): GraphTokenStatus {
    const held = this.held;
    return {
      configured: this.entra.missingSettings().length === 0,
      tenantId: this.graph.tenantId,
      clientId: this.graph.clientId,
      scopes: [...this.graph.scopes],
      cacheKey: this.graph.cacheKey,
      encrypted: this.graph.encryptionKey !== undefined,
      expiresOn: held ? new Date(held.expiresOn) : undefined,
      refreshFrom: held ? new Date(held.refreshFrom) : undefined,
      source: this.lastSource,
      ...this.counters,
      lastError: this.lastError ? { ...this.lastError } : undefined,
    };
  }

  private forceRefresh(): Promise<string> {
    this.forcing ??= this.obtain('force').finally(() => (this.forcing = undefined));
    return this.forcing.then(
      (token) => token.accessToken,
      (error: unknown) => {
        const held = this.usableHeld();
        if (!held) throw error;
        this.logger.warn(`${failureText(error)}; a forced refresh keeps the current token, valid until ${iso(held.expiresOn)}`);
        this.lastSource = 'memory';
        return held.accessToken;
      },
    );
  }

  private refreshInBackground(current: HeldToken): void {
    if (this.refreshing || this.obtaining || Date.now() < this.refreshBlockedUntil) return;
    this.refreshing = true;
    this.obtain('refresh')
      .catch((error: unknown) => {
        this.refreshBlockedUntil = Date.now() + REFRESH_RETRY_MS;
        this.logger.warn(
          `${failureText(error)}; the current token is still handed out until ${iso(current.usableUntil)} and the refresh is retried`,
        );
      })
      .finally(() => (this.refreshing = false));
  }

  /**
   * The shared cache first, then the fleet lock: its holder fetches, the others wait and
   * read what it stored. Without a cache to coordinate through, this process fetches alone.
   */
  private async obtain(mode: Mode): Promise<HeldToken> {
    const missing = this.entra.missingSettings();
    if (missing.length > 0) return this.fetch(); // throws MISSING_CONFIGURATION
    if (mode === 'force') return this.fetch();
    const accepts = (token: HeldToken) => {
      const now = Date.now();
      return token.accessToken !== this.invalidatedToken && now < (mode === 'refresh' ? token.refreshFrom : token.usableUntil);
    };
    const cached = await this.readShared();
    if (cached && accepts(cached.token)) return this.adopt(cached.token, cached.stored, 'cache');

    const giveUpAt = Date.now() + this.lockTtlMs + this.graph.requestTimeoutMs;
    let pause = POLL_START_MS;
    let waited = false;
    for (;;) {
      const attempt = await this.lock.tryAcquire();
      if (attempt.kind === 'unavailable') return this.fetch();
      if (attempt.kind === 'acquired') {
        try {
          // Another process may have stored a token and released the lock since our first read.
          const again = await this.readShared();
          if (again && accepts(again.token)) return this.adopt(again.token, again.stored, 'cache');
          return await this.fetch();
        } finally {
          await attempt.release();
        }
      }
      if (!waited) this.counters.lockWaits++;
      waited = true;
      if (Date.now() >= giveUpAt) {
        this.logger.warn(
          `waited ${this.lockTtlMs + this.graph.requestTimeoutMs} ms for another process's token request; fetching a token here instead`,
        );
        return this.fetch();
      }
      await sleep(pause);
      pause = Math.min(POLL_MAX_MS, pause * 2);
      const found = await this.readShared();
      if (found && accepts(found.token)) return this.adopt(found.token, found.stored, 'cache');
    }
  }

  /** Asks Entra ID, then shares the token through the cache (a cache fault only costs the sharing). */
  private async fetch(): Promise<HeldToken> {
    let token: HeldToken;
    try {
      const issued = await this.entra.request();
      const fetchedAt = Date.now();
      token = holdToken(issued.accessToken, issued.expiresOn, fetchedAt, this.graph.cacheDurationSeconds);
      if (token.usableUntil <= fetchedAt) {
        throw new GraphTokenError(
          'INVALID_RESPONSE',
          `Entra ID issued a token that expires at ${iso(issued.expiresOn)}, within the ${EXPIRY_MARGIN_MS / 1000} s every token must have left; it is not used`,
          { correlationId: issued.correlationId },
        );
      }
      this.counters.networkFetches++;
      this.logger.log(
        `fetched a Microsoft Graph token for tenant ${this.graph.tenantId}, valid until ${iso(token.expiresOn)}${issued.correlationId ? ` (correlation id ${issued.correlationId})` : ''}`,
      );
    } catch (error) {
      if (!(error instanceof GraphTokenError) || error.code !== 'MISSING_CONFIGURATION') this.counters.networkFailures++;
      this.lastError = {
        code: error instanceof GraphTokenError ? error.code : 'UNKNOWN',
        message: error instanceof Error ? error.message : String(error),
        at: new Date(),
      };
      throw error;
    }
    const stored = this.codec.seal(token);
    await this.cache.set(this.graph.cacheKey, stored, (token.usableUntil - Date.now()) / 1000);
    return this.adopt(token, stored, 'network');
  }

  private adopt(token: HeldToken, stored: unknown, source: GraphTokenSource): HeldToken {
    if (source === 'cache') this.counters.cacheHits++;
    // A slower, older answer must not replace a newer token.
    if (!this.held || this.held.accessToken === this.invalidatedToken || token.expiresOn >= this.held.expiresOn || Date.now() >= this.held.usableUntil) {
      this.held = token;
      this.heldStored = stored;
    }
    this.lastSource = source;
    return token;
  }

  private async readShared(): Promise<{ token: HeldToken; stored: unknown } | undefined> {
    const stored = await this.cache.get<unknown>(this.graph.cacheKey);
    if (stored === undefined || stored === null) return undefined;
    const opened = this.codec.open(stored);
    if ('token' in opened) return { token: opened.token, stored };
    this.logProblem(`the cached Microsoft Graph token under "${this.graph.cacheKey}" ${opened.problem}; it counts as a miss and a new token is fetched`);
    return undefined;
  }

  private usableHeld(): HeldToken | undefined {
    const held = this.held;
    return held && held.accessToken !== this.invalidatedToken && Date.now() < held.usableUntil ? held : undefined;
  }

  private logProblem(message: string): void {
    const now = Date.now();
    if (now - (this.loggedProblems.get(message) ?? 0) < PROBLEM_LOG_INTERVAL_MS) return;
    this.loggedProblems.set(message, now);
    this.logger.warn(message);
  }
}

function failureText(error: unknown): string {
  return error instanceof GraphTokenError ? `token request failed: ${error.code}: ${error.message}` : `token request failed: ${String(error)}`;
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
