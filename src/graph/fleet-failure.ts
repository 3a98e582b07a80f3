import type { CacheManagerService } from '../service/cache-manager.service';
import { GraphTokenError, type GraphTokenErrorCode } from './graph-token.error';

/** A lock holder's failed token request, as the processes that waited for it read it. */
interface PublishedFailure {
  /** The lock owner token of the attempt that failed. */
  owner: string;
  code: GraphTokenErrorCode;
  /** Already redacted: GraphTokenError messages never hold a credential or a token. */
  message: string;
  status?: number;
  correlationId?: string;
  serverError?: string;
  serverErrorNumber?: string;
}

/**
 * Lets the processes that waited for a lock holder fail with its failure, at once,
 * instead of each taking the lock in turn and waiting out its own timeout. A waiter
 * takes only the failure of an attempt it saw holding the lock (matched by owner token,
 * never by time, so clocks do not matter); later callers are not held back by it.
 */
export class FleetFailureBoard {
  constructor(
    private readonly cache: CacheManagerService,
    private readonly key: string,
    /** Long enough for every waiter's next look; it is matched by owner, so longer is harmless. */
    private readonly ttlMs: number,
  ) {}

  async publish(owner: string, error: unknown): Promise<void> {
    // A holder that shuts down says nothing about Entra ID: its waiters take over instead.
    if (!(error instanceof GraphTokenError) || error.code === 'ABORTED') return;
    const failure: PublishedFailure = {
      owner,
      code: error.code,
      message: error.message,
      status: error.status,
      correlationId: error.correlationId,
      serverError: error.serverError,
      serverErrorNumber: error.serverErrorNumber,
    };
    // Absent details are left out rather than stored as undefined: the entry stays plain JSON.
    const entry = Object.fromEntries(Object.entries(failure).filter(([, value]) => value !== undefined));
    await this.cache.set(this.key, entry, this.ttlMs / 1000);
  }

  /** The failure of one of the attempts in `owners`, if its holder published one. */
  async find(owners: ReadonlySet<string>): Promise<GraphTokenError | undefined> {
    if (owners.size === 0) return undefined;
    const failure = await this.cache.get<unknown>(this.key);
    if (!isPublishedFailure(failure) || !owners.has(failure.owner)) return undefined;
    return new GraphTokenError(failure.code, `the token request of another process, which this one waited for, failed: ${failure.message}`, {
      status: failure.status,
      correlationId: failure.correlationId,
      serverError: failure.serverError,
      serverErrorNumber: failure.serverErrorNumber,
    });
  }
}

function isPublishedFailure(value: unknown): value is PublishedFailure {
  const failure = value as Partial<PublishedFailure> | null;
  return typeof failure === 'object' && failure !== null && typeof failure.owner === 'string' && typeof failure.code === 'string' && typeof failure.message === 'string';
}
