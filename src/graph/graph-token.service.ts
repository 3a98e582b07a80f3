import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { GraphTokenOptions, IdeaGraphCacheOptions } from '../config/cache-options';
import { redactSecrets } from '../common/redact-secrets';
import { CACHE_OPTIONS, CACHE_SERVICE } from '../common/cache.tokens';
import { CacheManagerService } from '../service/cache-manager.service';
import { credentialSecrets } from './client-credential';
import { EntraTokenClient } from './entra-token.client';
import { FleetFailureBoard } from './fleet-failure';
import { FleetLock } from '../fleet/fleet-lock';
import type { FleetPort } from '../get-or-set/get-or-set-ports';
import { graphCacheKeys } from './graph-cache-keys';
import { GraphTokenError } from './graph-token.error';
import type { GetAccessTokenOptions, GraphTokenSource, GraphTokenStatus, HeldToken } from './graph-token.types';
import { HeldTokenSlot } from './held-token';
import { iso, requestHeldToken } from './request-token';
import { ProblemLog } from './problem-log';
import { type SharedToken, SharedTokenStore } from './shared-token.store';
import { createTokenEntryCodec } from './create-token-entry-codec';

/** Beyond the token request's own bound, the lock covers the cache read and write around it. */
const LOCK_SLACK_MS = 1000;
/** First pause of a waiting process between looks at the cache; it grows to POLL_MAX_MS. */
const POLL_START_MS = 25;
const POLL_MAX_MS = 200;
/** After a failed background refresh, the next one waits this long (garbage answers come back fast). */
const REFRESH_RETRY_MS = 2000;

type Mode = 'cold' | 'refresh' | 'force';

/**
 * Microsoft Graph app tokens (client credentials) for every process of an app:
 * memory first, then the shared cache, then one request to Entra ID per fleet, guarded by
 * a short lock in the cache. See docs/graph-tokens.md.
 */
@Injectable()
export class GraphTokenService implements OnModuleDestroy {
  private readonly logger = new Logger('GraphTokenService');
  private readonly graph: GraphTokenOptions;
  private readonly entra: EntraTokenClient;
  private readonly shared: SharedTokenStore;
  private readonly lock: FleetLock;
  private readonly fleet: FleetPort;
  /** The token and failure keys, as stored: what lock waiters are woken by. */
  private readonly watched: string[];
  private readonly failures: FleetFailureBoard;
  private readonly lockTtlMs: number;
  private readonly held = new HeldTokenSlot();
  private obtaining: Promise<HeldToken> | undefined;
  private forcing: Promise<HeldToken> | undefined;
  private refreshing: Promise<unknown> | undefined;
  private refreshBlockedUntil = 0;
  private closed = false;
  private lastSource: GraphTokenSource | undefined;
  private lastError: GraphTokenStatus['lastError'];
  private readonly problems = new ProblemLog(this.logger);
  private readonly counters = { memoryHits: 0, cacheHits: 0, networkFetches: 0, networkFailures: 0, lockWaits: 0 };

  constructor(
    @Inject(CACHE_OPTIONS) options: IdeaGraphCacheOptions,
    @Inject(CACHE_SERVICE) cache: CacheManagerService,
  ) {
    this.graph = options.graph;
    const secrets = credentialSecrets(this.graph);
    const redact = (text: string) => redactSecrets(text, secrets);
    this.entra = new EntraTokenClient(this.graph, this.logger, redact);
    const codec = createTokenEntryCodec(options);
    const keys = graphCacheKeys(this.graph.cacheKey);
    this.shared = new SharedTokenStore(cache, keys.token, codec, (problem) =>
      this.problems.warn(
        `the cached Microsoft Graph token under "${keys.token}" ${problem}; it counts as a miss and a new token is fetched`,
      ),
    );
    this.lockTtlMs = this.graph.requestTimeoutMs + LOCK_SLACK_MS;
    this.lock = new FleetLock(cache, keys.lock, this.lockTtlMs);
    // The same feed getOrSet's fleet lock waits on: a holder announces the token (or its failure) it stored.
    this.fleet = cache.fleet;
    this.watched = [cache.fleet.storeKey(keys.token), cache.fleet.storeKey(keys.failure)];
    this.failures = new FleetFailureBoard(cache, keys.failure, this.lockTtlMs);
  }

  /**
   * A token for Microsoft Graph with at least 5 minutes of life left. Rejects with
   * GraphTokenError when none can be had; a cache fault alone never makes it reject.
   */
  getAccessToken(options: GetAccessTokenOptions = {}): Promise<string> {
    if (options.forceRefresh) return this.forceRefresh();
    const held = this.held.token;
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
   * After Graph answered 401. With the token Graph rejected, it is dropped (in memory and
   * in the shared cache) only where it is still the current one: a token a concurrent
   * refresh adopted in the meantime is kept, and so is a replacement another process
   * stored. Without it, whatever token this process holds is dropped, and the shared entry
   * only if it still holds that token.
   */
  async invalidate(rejectedToken?: string): Promise<void> {
    if (rejectedToken !== undefined) {
      this.held.reject(rejectedToken);
      await this.shared.deleteIfHolds(rejectedToken);
      return;
    }
    const { token: held, stored } = this.held.rejectHeld();
    if (held && stored !== undefined) await this.shared.deleteIfStill(stored);
    else await this.shared.delete();
  }

  /** What operators want to know. Never a token or a secret. */
  get status(): GraphTokenStatus {
    const held = this.held.token;
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

  /**
   * A pending token request or wait would keep the process alive after app.close(). Waits
   * for them to end, so a held fleet lock is released before the cache connection closes
   * (at application shutdown, after this hook) and the waiters elsewhere take over at once.
   */
  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    this.entra.close();
    await Promise.allSettled([this.obtaining, this.forcing, this.refreshing]);
  }

  private forceRefresh(): Promise<string> {
    this.forcing ??= this.obtain('force').finally(() => (this.forcing = undefined));
    return this.forcing.then(
      (token) => token.accessToken,
      (error: unknown) => {
        const held = this.held.usable();
        if (!held) throw error;
        this.logger.warn(
          `${failureText(error)}; a forced refresh keeps the current token, valid until ${iso(held.expiresOn)}`,
        );
        this.lastSource = 'memory';
        return held.accessToken;
      },
    );
  }

  private refreshInBackground(current: HeldToken): void {
    if (this.refreshing || this.obtaining || Date.now() < this.refreshBlockedUntil) return;
    this.refreshing = this.obtain('refresh')
      .catch((error: unknown) => {
        this.refreshBlockedUntil = Date.now() + REFRESH_RETRY_MS;
        this.logger.warn(
          `${failureText(error)}; the current token is still handed out until ${iso(current.usableUntil)} and the refresh is retried`,
        );
      })
      .finally(() => (this.refreshing = undefined));
  }

  /**
   * The shared cache first, then the fleet lock: its holder fetches, the others wait and
   * read what it stored, or the failure it published. Without a cache to coordinate
   * through, this process fetches alone.
   */
  private async obtain(mode: Mode): Promise<HeldToken> {
    const missing = this.entra.missingSettings();
    if (missing.length > 0) return this.fetch(); // throws MISSING_CONFIGURATION
    if (mode === 'force') return this.fetch();
    const accepts = (token: HeldToken) => {
      const now = Date.now();
      return (
        token.accessToken !== this.held.rejected && now < (mode === 'refresh' ? token.refreshFrom : token.usableUntil)
      );
    };
    const cached = await this.shared.read();
    if (cached && accepts(cached.token)) return this.adopt(cached, 'cache');

    const giveUpAt = Date.now() + this.lockTtlMs + this.graph.requestTimeoutMs;
    // The attempts this process saw holding the lock: only their failures are its own.
    const awaited = new Set<string>();
    let pause = POLL_START_MS;
    let waited = false;
    for (;;) {
      const attempt = await this.lock.tryAcquire();
      if (attempt.kind === 'unavailable') return this.fetch();
      if (attempt.kind === 'acquired') {
        try {
          // Another process may have stored a token, or failed, and released the lock since our last look.
          const again = await this.lookAgain(awaited, accepts);
          if (again) return again;
          return await this.fetch(attempt.owner);
        } finally {
          await attempt.release();
        }
      }
      if (!waited) this.counters.lockWaits++;
      waited = true;
      if (attempt.owner) awaited.add(attempt.owner);
      if (this.closed)
        throw new GraphTokenError(
          'ABORTED',
          "stopped waiting for another process's token request: the app is shutting down",
        );
      if (Date.now() >= giveUpAt) {
        this.logger.warn(
          `waited ${this.lockTtlMs + this.graph.requestTimeoutMs} ms for another process's token request; fetching a token here instead`,
        );
        return this.fetch();
      }
      // Woken as soon as the holder announces what it stored; polling is the fallback.
      await (this.fleet.feed?.wait(this.watched, pause) ?? sleep(pause));
      pause = Math.min(POLL_MAX_MS, pause * 2);
      const found = await this.lookAgain(awaited, accepts);
      if (found) return found;
    }
  }

  /**
   * The shared token, adopted if it will do; otherwise throws the failure of an attempt
   * this process waited for, if its holder published one; otherwise undefined: wait on.
   */
  private async lookAgain(
    awaited: ReadonlySet<string>,
    accepts: (token: HeldToken) => boolean,
  ): Promise<HeldToken | undefined> {
    const [found, failure] = await Promise.all([this.shared.read(), this.failures.find(awaited)]);
    if (found && accepts(found.token)) return this.adopt(found, 'cache');
    if (failure) {
      this.recordFailure(failure);
      throw failure;
    }
    return undefined;
  }

  /**
   * Asks Entra ID, then shares the token through the cache (a cache fault only costs the
   * sharing). A lock holder (`owner`) publishes its failure for the processes waiting on it.
   */
  private async fetch(owner?: string): Promise<HeldToken> {
    let token: HeldToken;
    try {
      token = await requestHeldToken(this.entra, this.graph, this.logger);
      this.counters.networkFetches++;
    } catch (error) {
      if (!(error instanceof GraphTokenError) || error.code !== 'MISSING_CONFIGURATION')
        this.counters.networkFailures++;
      this.recordFailure(error);
      if (owner) {
        await this.failures.publish(owner, error);
        this.fleet.feed?.announce(this.watched[1]);
      }
      throw error;
    }
    const stored = await this.shared.write(token);
    if (owner) this.fleet.feed?.announce(this.watched[0]);
    return this.adopt({ token, stored }, 'network');
  }

  private recordFailure(error: unknown): void {
    this.lastError = {
      code: error instanceof GraphTokenError ? error.code : 'UNKNOWN',
      message: error instanceof Error ? error.message : String(error),
      at: new Date(),
    };
  }

  private adopt(shared: SharedToken, source: GraphTokenSource): HeldToken {
    if (source === 'cache') this.counters.cacheHits++;
    this.held.adopt(shared);
    this.lastSource = source;
    return shared.token;
  }
}

function failureText(error: unknown): string {
  return error instanceof GraphTokenError
    ? `token request failed: ${error.code}: ${error.message}`
    : `token request failed: ${String(error)}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
