import type { LoggerService } from '@nestjs/common';
import { FaultLog } from '../../src/resilience/fault-log';
import { GuardedStore } from '../../src/resilience/guarded-store';
import { type CacheStore, NotAnIntegerError } from '../../src/stores/cache-store';
import { LocmemStore } from '../../src/stores/locmem.store';

type Behaviour = { kind: 'answer' } | { kind: 'hang' } | { kind: 'fail'; error: unknown };

/**
 * A remote backend whose answers the test decides: a real LocmemStore behind it, so an
 * answering backend stores and reads for real, plus switches for hanging and failing.
 */
class ControlledBackend {
  behaviour: Behaviour = { kind: 'answer' };
  calls = 0;
  resets = 0;
  closed = false;
  readonly store: CacheStore;
  private backgroundError: (error: unknown) => void = () => undefined;

  constructor() {
    const inner = new LocmemStore(100);
    this.store = new Proxy(inner, {
      get: (target, property, receiver) => {
        if (property === 'remote') return true;
        if (property === 'reset') return () => this.resets++;
        if (property === 'close') return async () => void (this.closed = true);
        if (property === 'onBackgroundError') return (listener: (error: unknown) => void) => (this.backgroundError = listener);
        if (property === 'onReady' || property === 'describe') return Reflect.get(target, property, receiver);
        const member = Reflect.get(target, property, receiver);
        if (typeof member !== 'function') return member;
        return (...args: unknown[]) => {
          this.calls++;
          if (this.behaviour.kind === 'hang') return new Promise(() => undefined);
          if (this.behaviour.kind === 'fail') return Promise.reject(this.behaviour.error);
          return (member as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    }) as unknown as CacheStore;
  }

  emitBackgroundError(error: unknown): void {
    this.backgroundError(error);
  }
}

class Lines implements LoggerService {
  readonly lines: string[] = [];
  log(text: string): void {
    this.lines.push(`log: ${text}`);
  }
  error(text: string): void {
    this.lines.push(`error: ${text}`);
  }
  warn(text: string): void {
    this.lines.push(`warn: ${text}`);
  }
}

function guarded(backend: ControlledBackend, out = new Lines()): GuardedStore {
  return new GuardedStore(backend.store, { backend: 'redis', commandTimeoutMs: 200, failureThreshold: 5, cooldownMs: 500 }, new FaultLog(out, ['pw-secret']));
}

const get = (guard: GuardedStore) => guard.run('get', 'k', (store) => store.get('k'), 'fallback');

describe('GuardedStore', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers with the backend result while it answers', async () => {
    const backend = new ControlledBackend();
    const guard = guarded(backend);
    await guard.run('set', 'k', (store) => store.set('k', 'v', null), 'not written');
    await expect(get(guard)).resolves.toBe('v');
  });

  it('a hung backend: the call gets its fallback once the bound passes, counted as a timeout', async () => {
    const backend = new ControlledBackend();
    const guard = guarded(backend);
    backend.behaviour = { kind: 'hang' };
    const result = get(guard);
    await jest.advanceTimersByTimeAsync(201);
    await expect(result).resolves.toBe('fallback');
    expect(guard.counters).toMatchObject({ errors: 1, timeouts: 1 });
  });

  it('after 5 failures in a row, calls get the fallback without reaching the backend; a timeout also resets the connection', async () => {
    const backend = new ControlledBackend();
    const guard = guarded(backend);
    backend.behaviour = { kind: 'hang' };
    const first = Array.from({ length: 5 }, () => get(guard));
    await jest.advanceTimersByTimeAsync(201);
    await Promise.all(first);
    expect(guard.breakerState).toBe('open');
    expect(backend.resets).toBe(1);
    const callsBefore = backend.calls;
    await expect(get(guard)).resolves.toBe('fallback');
    expect(backend.calls).toBe(callsBefore);
    expect(guard.counters.shortCircuited).toBe(1);
  });

  it('probes by itself after the cool-down and closes again when the backend answers, with one recovery line', async () => {
    const out = new Lines();
    const backend = new ControlledBackend();
    const guard = guarded(backend, out);
    backend.behaviour = { kind: 'fail', error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) };
    for (let i = 0; i < 5; i++) await get(guard);
    expect(guard.breakerState).toBe('open');
    // Still down at the first probe: stays open and probes again later.
    await jest.advanceTimersByTimeAsync(501);
    expect(guard.breakerState).toBe('open');
    backend.behaviour = { kind: 'answer' };
    await jest.advanceTimersByTimeAsync(501);
    expect(guard.breakerState).toBe('closed');
    expect(guard.lastFault).toBeUndefined();
    expect(out.lines.filter((line) => line.includes('recovered after'))).toHaveLength(1);
    expect(out.lines.filter((line) => line.startsWith('error:'))).toHaveLength(1);
  });

  it('a late answer to a call made before the breaker opened does not close it', async () => {
    const backend = new ControlledBackend();
    const guard = guarded(backend);
    let answer!: (value: string) => void;
    const early = guard.run('get', 'k', () => new Promise<string>((resolve) => (answer = resolve)), 'fallback');
    backend.behaviour = { kind: 'fail', error: new Error('read ECONNRESET') };
    for (let i = 0; i < 5; i++) await get(guard);
    expect(guard.breakerState).toBe('open');
    answer('late');
    await expect(early).resolves.toBe('late');
    expect(guard.breakerState).toBe('open');
    expect(guard.lastFault).toBe('connection lost');
  });

  it('reports "not connected" as the connection fault that caused it', async () => {
    const out = new Lines();
    const backend = new ControlledBackend();
    const guard = guarded(backend, out);
    backend.emitBackgroundError(new Error('WRONGPASS invalid username-password pair or user is disabled.'));
    backend.behaviour = { kind: 'fail', error: new Error("Stream isn't writeable and enableOfflineQueue options is false") };
    await get(guard);
    expect(guard.lastFault).toBe('authentication failed');
    expect(out.lines).toHaveLength(1);
  });

  it('a caller mistake the backend reports (not an integer) reaches the caller and is no fault', async () => {
    const backend = new ControlledBackend();
    const guard = guarded(backend);
    backend.behaviour = { kind: 'fail', error: new NotAnIntegerError('stored value is not an integer') };
    await expect(guard.run('incr', 'k', (store) => store.incrBy('k', 1), null)).rejects.toBeInstanceOf(NotAnIntegerError);
    expect(guard.counters.errors).toBe(0);
    expect(guard.breakerState).toBe('closed');
  });

  it('close() gives waiting calls their fallback at once and closes the backend', async () => {
    const backend = new ControlledBackend();
    const guard = guarded(backend);
    backend.behaviour = { kind: 'hang' };
    const waiting = get(guard);
    await guard.close();
    await expect(waiting).resolves.toBe('fallback');
    expect(backend.closed).toBe(true);
    await expect(get(guard)).resolves.toBe('fallback');
  });
});
