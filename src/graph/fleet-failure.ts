import { logText } from '../common/log-text';
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
    // Whoever can write the cache may have written this entry: its text reaches the caller's
    // error and the log lines about it only escaped and shortened, its details only when well-formed.
    return new GraphTokenError(
      failure.code,
      `the token request of another process, which this one waited for, failed: ${logText(failure.message, 300)}`,
      {
        status: Number.isInteger(failure.status) ? failure.status : undefined,
        correlationId: detail(failure.correlationId),
        serverError: detail(failure.serverError),
        serverErrorNumber: detail(failure.serverErrorNumber),
      },
    );
  }
}

const CODES: ReadonlySet<string> = new Set<GraphTokenErrorCode>([
  'MISSING_CONFIGURATION',
  'INVALID_CONFIGURATION',
  'TIMEOUT',
  'ABORTED',
  'SERVER_ERROR',
  'THROTTLED',
  'REJECTED',
  'INVALID_RESPONSE',
  'NETWORK_ERROR',
]);

function isPublishedFailure(value: unknown): value is PublishedFailure {
  const failure = value as Partial<PublishedFailure> | null;
  return (
    typeof failure === 'object' &&
    failure !== null &&
    typeof failure.owner === 'string' &&
    typeof failure.code === 'string' &&
    CODES.has(failure.code) &&
    typeof failure.message === 'string'
  );
}

/** A correlation id or an Entra error code: short and plain, or left out. */
function detail(value: unknown): string | undefined {
  return typeof value === 'string' && /^[\w.:-]{1,100}$/.test(value) ? value : undefined;
}
