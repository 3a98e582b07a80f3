import type { L1InvalidationSetting } from '../../config/cache-options';
import type { BusCounters, BusEvents, BusState, InvalidationBus } from '../invalidation-bus';
import type { TrackingCounters, TrackingSource } from './tracking-path';

/** Thrown at startup by CACHE_L1_INVALIDATION=tracking where Redis does not allow tracking; names why. */
export class L1InvalidationUnavailableError extends Error {
  override readonly name = 'L1InvalidationUnavailableError';
}

/** Which path keeps L1 coherent: `deciding` until Redis has said whether it tracks for this client. */
export type L1InvalidationMode = 'tracking' | 'bus' | 'deciding';

export interface L1CoherenceState extends BusState {
  /** The path in force, and why. */
  mode: L1InvalidationMode;
  modeReason: string;
  /** The tracking path, where it runs. */
  tracking?: TrackingCounters & { live: boolean; lastReportAgeMs: number | null };
}

/** How long startup waits for Redis to say whether it tracks, before it goes on without knowing (L1 stays bypassed meanwhile). */
const DECISION_WAIT_MS = 5000;

/**
 * The two paths that keep L1 coherent, and the CACHE_L1_INVALIDATION rule between them.
 *
 * The bus always runs: it carries this module's invalidations and clears (the fleet-lock
 * wake-ups ride on them), for processes of any mode. The tracking path runs unless the
 * setting is `bus`. L1 is served only while the path in force is live: with tracking in
 * force, the bus's own losses do not matter (Redis reports every change itself), and the
 * bus's messages only drop keys sooner.
 *
 * `auto` starts on tracking and falls back to the bus for good, with one warning, when
 * Redis refuses it (too old, or the ACL user may not). `tracking` then fails startup, or,
 * if Redis was first reached after startup, logs the refusal and keeps L1 bypassed.
 */
export class L1Coherence {
  private mode: L1InvalidationMode;
  private reason: string;
  private refusal: string | undefined;
  private decided: () => void = () => undefined;
  private readonly decision: Promise<void>;

  constructor(
    private readonly setting: L1InvalidationSetting,
    private readonly bus: InvalidationBus,
    private readonly tracking: TrackingSource | undefined,
    private readonly tiers: BusEvents,
    private readonly log: { warn(message: string): void; error(message: string): void },
  ) {
    this.decision = new Promise((resolve) => (this.decided = resolve));
    if (setting === 'bus' || !tracking) {
      this.mode = 'bus';
      this.reason = 'CACHE_L1_INVALIDATION=bus';
      this.decided();
    } else {
      this.mode = 'deciding';
      this.reason = `CACHE_L1_INVALIDATION=${setting}: waiting for Redis to set tracking up`;
    }
  }

  /** Events of the bus, to wire into InvalidationBus: losses count only while the bus is in force. */
  readonly busEvents: BusEvents = {
    invalidate: (keys) => this.tiers.invalidate(keys),
    clear: (prefix) => this.tiers.clear(prefix),
    lost: (reason) => this.mode === 'bus' && this.tiers.lost(reason),
    regained: () => this.mode === 'bus' && this.tiers.regained(),
  };

  /** Events of the tracking path, to wire into the tracking source. */
  readonly trackingEvents = {
    invalidate: (keys: readonly string[]) => this.tiers.invalidate(keys),
    clear: (prefix: string) => this.tiers.clear(prefix),
    lost: (reason: string) => this.mode === 'tracking' && this.tiers.lost(reason),
    regained: () => {
      if (this.mode === 'deciding') {
        this.mode = 'tracking';
        this.reason = `CACHE_L1_INVALIDATION=${this.setting}: Redis reports every change under the cache's prefix (CLIENT TRACKING)`;
        this.decided();
      }
      if (this.mode === 'tracking') this.tiers.regained();
    },
    refused: (reason: string) => this.refused(reason),
  };

  /** Only while the path in force is live may L1 be served. */
  get live(): boolean {
    if (this.mode === 'tracking') return this.tracking!.live;
    if (this.mode === 'bus') return this.bus.live;
    return false;
  }

  get counters(): BusCounters {
    return this.bus.counters;
  }

  start(): void {
    this.bus.start();
    this.tracking?.start();
  }

  announce(keys: string | readonly string[]): void {
    this.bus.announce(keys);
  }

  announceClear(prefix: string): void {
    this.bus.announceClear(prefix);
  }

  state(): L1CoherenceState {
    const tracking =
      this.tracking && this.mode !== 'bus'
        ? { ...this.tracking.counters, live: this.tracking.live, lastReportAgeMs: this.tracking.lastReportAgeMs() }
        : undefined;
    return {
      ...this.bus.state(),
      live: this.live,
      mode: this.mode,
      modeReason: this.reason,
      ...(tracking ? { tracking } : {}),
    };
  }

  /**
   * Waits (boundedly) for Redis to say whether it tracks. With CACHE_L1_INVALIDATION=tracking,
   * a refusal fails startup, naming the missing version or permission.
   */
  async verifyStartup(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.decision,
      new Promise<void>((resolve) => (timer = setTimeout(resolve, DECISION_WAIT_MS).unref())),
    ]);
    clearTimeout(timer);
    if (this.setting === 'tracking' && this.refusal !== undefined) {
      throw new L1InvalidationUnavailableError(
        `CACHE_L1_INVALIDATION=tracking, but ${this.refusal}. Allow it (docs/scale-out.md#acl), or set CACHE_L1_INVALIDATION=auto or bus`,
      );
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.bus.close(), this.tracking?.close()]);
  }

  private refused(reason: string): void {
    if (this.refusal !== undefined) return;
    this.refusal = reason;
    if (this.setting === 'auto') {
      this.mode = 'bus';
      this.reason = `CACHE_L1_INVALIDATION=auto fell back to the bus: ${reason}`;
      void this.tracking?.close();
      this.log.warn(
        `hybrid cache: ${reason}; CACHE_L1_INVALIDATION=auto falls back to the pub/sub bus, which sees only this module's writes (a write by another program is seen after CACHE_L1_TIMEOUT at worst). docs/hybrid.md#two-paths`,
      );
      // Whatever L1 held was kept by the other path: it starts empty under the bus.
      this.tiers.lost(reason);
      if (this.bus.live) this.tiers.regained();
    } else {
      this.reason = `CACHE_L1_INVALIDATION=tracking refused: ${reason}; L1 is bypassed`;
      this.log.error(`hybrid cache: ${this.reason}`);
    }
    this.decided();
  }
}
