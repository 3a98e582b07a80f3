import { setImmediate as loopTurn } from 'node:timers/promises';
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
  /** Store methods that hang whatever the behaviour (a drain stuck on one dead cluster node). */
  readonly hanging = new Set<string>();
  calls = 0;
  resets = 0;
  closed = false;
  readonly store: CacheStore;
  private backgroundError: (error: unknown) => void = () => undefined;

  constructor() {
    const inner = new LocmemStore({ maxEntries: 100, maxBytes: 1024 * 1024 });
    this.store = new Proxy(inner, {
      get: (target, property, receiver) => {
        if (property === 'remote') return true;
        if (property === 'reset') return () => this.resets++;
        if (property === 'close') return async () => void (this.closed = true);
        if (property === 'onBackgroundError')
          return (listener: (error: unknown) => void) => (this.backgroundError = listener);
        if (property === 'onReady' || property === 'describe') return Reflect.get(target, property, receiver);
        const member = Reflect.get(target, property, receiver);
        if (typeof member !== 'function') return member;
        return (...args: unknown[]) => {
          this.calls++;
          if (this.behaviour.kind === 'hang' || this.hanging.has(String(property))) return new Promise(() => undefined);
          if (this.behaviour.kind === 'fail') return Promise.reject(this.behaviour.error);
          return (member as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
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
  return new GuardedStore(
    backend.store,
    {
      backend: 'redis',
      commandTimeoutMs: 200,
      failureThreshold: 5,
      cooldownMs: 500,
      recoveryMaxKeys: 100,
      scopePrefix: ':1:',
    },
    new FaultLog(out, ['pw-secret']),
  );
}

function replyError(message: string): Error {
  // The class ioredis gives error replies (redis-errors' ReplyError), by name as the guard sees it.
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

const get = (guard: GuardedStore) => guard.run('get', 'k', (store) => store.get('k'), 'fallback');

/**
 * Advances the fake clock, then lets real turns of the loop pass: a due call is judged
 * only after the loop has read its sockets twice (DeadlineQueue).
 */
async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
  for (let turn = 0; turn < 3; turn++) await loopTurn();
}

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
    await advance(201);
    await expect(result).resolves.toBe('fallback');
    expect(guard.counters).toMatchObject({ errors: 1, timeouts: 1 });
  });

  it('after 5 failures in a row, calls get the fallback without reaching the backend; a timeout also resets the connection', async () => {
    const backend = new ControlledBackend();
    const guard = guarded(backend);
    backend.behaviour = { kind: 'hang' };
    const first = Array.from({ length: 5 }, () => get(guard));
    await advance(201);
    await Promise.all(first);
    expect(guard.breakerState).toBe('open');
    expect(backend.resets).toBe(1);
    const callsBefore = backend.calls;
    await expect(get(guard)).resolves.toBe('fallback');
    expect(backend.calls).toBe(callsBefore);
    expect(guard.counters.shortCircuited).toBe(1);
  });

  it('the first call after the cool-down is the probe: no timer needed, and it closes the breaker once the backend answers', async () => {
    const out = new Lines();
    const backend = new ControlledBackend();
    const guard = guarded(backend, out);
    backend.behaviour = {
      kind: 'fail',
      error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
    };
    for (let i = 0; i < 5; i++) await get(guard);
    expect(guard.breakerState).toBe('open');
    const callsWhenOpened = backend.calls;
    await advance(499);
    await expect(get(guard)).resolves.toBe('fallback');
    expect(backend.calls).toBe(callsWhenOpened);
    // Still down at the first probe: open again for another cool-down.
    await advance(2);
    await expect(get(guard)).resolves.toBe('fallback');
    expect(backend.calls).toBe(callsWhenOpened + 1);
    expect(guard.breakerState).toBe('open');
    backend.behaviour = { kind: 'answer' };
    await expect(get(guard)).resolves.toBe('fallback');
    await advance(501);
    await expect(guard.run('get', 'k', (store) => store.get('k'), 'fallback')).resolves.toBeUndefined();
    expect(guard.breakerState).toBe('closed');
    expect(guard.lastFault).toBeUndefined();
    expect(out.lines.filter((line) => line.includes('recovered after'))).toHaveLength(1);
    expect(out.lines.filter((line) => line.startsWith('error:'))).toHaveLength(1);
  });

  it('a loop that only awaits cache calls, and never lets a timer run, still sees the backend come back', async () => {
    jest.useRealTimers();
    const backend = new ControlledBackend();
    const guard = guarded(backend);
    await guard.run('set', 'k', (store) => store.set('k', 'v', null), 'not written');
    backend.behaviour = { kind: 'fail', error: new Error('read ECONNRESET') };
    for (let i = 0; i < 5; i++) await get(guard);
    expect(guard.breakerState).toBe('open');
    backend.behaviour = { kind: 'answer' };
    const openedAt = performance.now();
    let seen: unknown = 'fallback';
    // Microtasks only: the old probe timer could never fire inside this loop.
    while (seen === 'fallback' && performance.now() - openedAt < 3000) seen = await get(guard);
    expect(seen).toBe('v');
    expect(guard.breakerState).toBe('closed');
  });

  it.each([
    ['WRONGTYPE Operation against a key holding the wrong kind of value'],
    ["OOM command not allowed when used memory > 'maxmemory'."],
    ['ERR invalid expire time in set'],
  ])('an error reply about one command (%s) fails that call alone and never opens the breaker', async (message) => {
    const out = new Lines();
    const backend = new ControlledBackend();
    const guard = guarded(backend, out);
    await guard.run('set', 'healthy', (store) => store.set('healthy', 'v', null), 'not written');
    backend.behaviour = { kind: 'fail', error: replyError(message) };
    for (let i = 0; i < 20; i++) await expect(get(guard)).resolves.toBe('fallback');
    expect(guard.breakerState).toBe('closed');
    backend.behaviour = { kind: 'answer' };
    await expect(guard.run('get', 'healthy', (store) => store.get('healthy'), 'fallback')).resolves.toBe('v');
    expect(guard.counters).toMatchObject({ errors: 20, shortCircuited: 0 });
    // Logged, throttled: one line for twenty.
    expect(out.lines.filter((line) => line.startsWith('error:'))).toHaveLength(1);
  });

  it.each([
    ['LOADING Redis is loading the dataset in memory'],
    ["READONLY You can't write against a read only replica."],
    ['NOAUTH Authentication required.'],
  ])('a server-wide error reply (%s) counts towards the breaker', async (message) => {
    const backend = new ControlledBackend();
    const guard = guarded(backend);
    backend.behaviour = { kind: 'fail', error: replyError(message) };
    for (let i = 0; i < 5; i++) await get(guard);
    expect(guard.breakerState).toBe('open');
  });

  it('a batch gets a bound that grows with its size, and a slow batch never opens the breaker for single keys', async () => {
    const backend = new ControlledBackend();
    const guard = guarded(backend);
    expect(guard.batchBoundMs(1)).toBe(200);
    expect(guard.batchBoundMs(100_000)).toBe(200 * 101);
    backend.behaviour = { kind: 'hang' };
    const batches = Array.from({ length: 8 }, () =>
      guard.run('getMany', undefined, (store) => store.getMany(['a', 'b']), 'fallback', guard.batchBoundMs(100_000)),
    );
    await advance(200 * 101 + 1);
    await expect(Promise.all(batches)).resolves.toEqual(Array(8).fill('fallback'));
    expect(guard.counters.timeouts).toBe(8);
    expect(guard.breakerState).toBe('closed');
  });

  describe('recovery of failed writes', () => {
    const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });

    async function openWithStaleKeys(guard: GuardedStore, backend: ControlledBackend): Promise<void> {
      for (const key of ['a', 'b', 'c', 'untouched'])
        await guard.run('set', key, (store) => store.set(key, `old-${key}`, null), 'not written');
      backend.behaviour = { kind: 'fail', error: refused() };
      await expect(guard.write('delete', 'a', (store) => store.delete('a'), 'a')).resolves.toBe(false);
      await expect(guard.write('set', 'b', (store) => store.set('b', 'new', null), 'b')).resolves.toBe(false);
      for (let i = 0; i < 5; i++) await get(guard);
      expect(guard.breakerState).toBe('open');
      // Held back by the open breaker: remembered too.
      await expect(
        guard.write('setMany', undefined, (store) => store.setMany([['c', 'new']], null), ['c']),
      ).resolves.toBe(false);
    }

    it('remembers every key a failed or held-back write meant to change, and deletes them before any other call once the backend answers', async () => {
      const backend = new ControlledBackend();
      const guard = guarded(backend);
      await openWithStaleKeys(guard, backend);
      expect(guard.recoveryStats).toEqual({ queued: 3, madeGood: 0, overflowed: 0, pending: 3 });
      backend.behaviour = { kind: 'answer' };
      await advance(501);
      // The very first read after the outage must not see the value the failed delete meant to remove.
      await expect(guard.run('get', 'a', (store) => store.get('a'), 'fallback')).resolves.toBeUndefined();
      for (const key of ['b', 'c'])
        await expect(guard.run('get', key, (store) => store.get(key), 'fallback')).resolves.toBeUndefined();
      await expect(guard.run('get', 'untouched', (store) => store.get('untouched'), 'fallback')).resolves.toBe(
        'old-untouched',
      );
      expect(guard.recoveryStats).toEqual({ queued: 3, madeGood: 3, overflowed: 0, pending: 0 });
      expect(guard.breakerState).toBe('closed');
    });

    it('a probe that must wait for a slow drain is not left without a verdict: a PING of its own closes the breaker', async () => {
      const backend = new ControlledBackend();
      const guard = guarded(backend);
      await openWithStaleKeys(guard, backend);
      backend.behaviour = { kind: 'answer' };
      // The drain is stuck (a scoped clear that takes many round trips), Redis itself answers.
      backend.hanging.add('deleteMany');
      await advance(501);
      const probe = guard.run('get', 'a', (store) => store.get('a'), 'fallback');
      await advance(201);
      await expect(probe).resolves.toBe('fallback');
      expect(guard.breakerState).toBe('closed');
      await expect(guard.run('get', 'untouched', (store) => store.get('untouched'), 'fallback')).resolves.toBe(
        'old-untouched',
      );
    });

    it('a failed clear is carried out after recovery, within its own prefix only', async () => {
      const backend = new ControlledBackend();
      const guard = guarded(backend);
      for (const key of [':1:x', ':1:y', 'other:1:x'])
        await guard.run('set', key, (store) => store.set(key, 'old', null), 'not written');
      backend.behaviour = { kind: 'fail', error: refused() };
      await expect(
        guard.write('clear', undefined, (store) => store.clear(':1:'), { clearPrefix: ':1:' }),
      ).resolves.toBe(false);
      backend.behaviour = { kind: 'answer' };
      await expect(
        guard.run('getMany', undefined, (store) => store.getMany([':1:x', ':1:y', 'other:1:x']), 'fallback'),
      ).resolves.toEqual([undefined, undefined, 'old']);
      expect(guard.recoveryStats).toMatchObject({ queued: 1, madeGood: 1, pending: 0 });
    });

    it('a full queue falls back to a clear of this cache scope, counted and logged once', async () => {
      const out = new Lines();
      const backend = new ControlledBackend();
      const guard = new GuardedStore(
        backend.store,
        {
          backend: 'redis',
          commandTimeoutMs: 200,
          failureThreshold: 5,
          cooldownMs: 500,
          recoveryMaxKeys: 3,
          scopePrefix: ':1:',
        },
        new FaultLog(out, []),
      );
      for (const key of [':1:a', ':1:b', 'other:1:a'])
        await guard.run('set', key, (store) => store.set(key, 'old', null), 'not written');
      backend.behaviour = { kind: 'fail', error: refused() };
      for (let i = 0; i < 10; i++)
        await guard.write('delete', undefined, (store) => store.delete(`:1:k${i}`), `:1:k${i}`);
      expect(guard.recoveryStats).toMatchObject({ overflowed: 1, pending: 1 });
      expect(out.lines.filter((line) => line.includes('CACHE_RECOVERY_MAX_KEYS'))).toHaveLength(1);
      backend.behaviour = { kind: 'answer' };
      await advance(501);
      await expect(
        guard.run('getMany', undefined, (store) => store.getMany([':1:a', ':1:b', 'other:1:a']), 'fallback'),
      ).resolves.toEqual([undefined, undefined, 'old']);
      expect(guard.recoveryStats).toMatchObject({ overflowed: 1, pending: 0 });
    });

    it('a process that makes no more calls still makes its failed writes good once the backend answers', async () => {
      const backend = new ControlledBackend();
      const guard = guarded(backend);
      await guard.run('set', 'a', (store) => store.set('a', 'old', null), 'not written');
      backend.behaviour = { kind: 'fail', error: refused() };
      for (let i = 0; i < 5; i++) await guard.write('delete', 'a', (store) => store.delete('a'), 'a');
      expect(guard.breakerState).toBe('open');
      backend.behaviour = { kind: 'answer' };
      await advance(1100);
      expect(guard.recoveryStats).toMatchObject({ madeGood: 1, pending: 0 });
      expect(guard.breakerState).toBe('closed');
      await expect(guard.store.get('a')).resolves.toBeUndefined();
    });

    it('a stuck drain holds up only the calls that touch a remembered key, and those for one bound at most', async () => {
      const backend = new ControlledBackend();
      const guard = guarded(backend);
      for (const key of ['a', 'other'])
        await guard.run('set', key, (store) => store.set(key, `old-${key}`, null), 'not written');
      backend.behaviour = { kind: 'fail', error: refused() };
      await guard.write('delete', 'a', (store) => store.delete('a'), 'a');
      backend.behaviour = { kind: 'answer' };
      backend.hanging.add('deleteMany');
      await expect(guard.run('get', 'other', (store) => store.get('other'), 'fallback')).resolves.toBe('old-other');
      const remembered = guard.run('get', 'a', (store) => store.get('a'), 'fallback');
      await advance(201);
      // Never the value the failed delete meant to remove.
      await expect(remembered).resolves.toBe('fallback');
      // Overwriting a remembered key needs no wait, and makes it good.
      await expect(guard.write('set', 'a', (store) => store.set('a', 'new', null), 'a')).resolves.toBe(true);
      await expect(guard.run('get', 'a', (store) => store.get('a'), 'fallback')).resolves.toBe('new');
    });

    it('while the backend hangs, a read of a remembered key gets its fallback within one bound; nothing is forgotten', async () => {
      const backend = new ControlledBackend();
      const guard = guarded(backend);
      await guard.run('set', 'a', (store) => store.set('a', 'old', null), 'not written');
      backend.behaviour = { kind: 'fail', error: refused() };
      await guard.write('delete', 'a', (store) => store.delete('a'), 'a');
      backend.behaviour = { kind: 'hang' };
      const call = guard.run('get', 'a', (store) => store.get('a'), 'fallback');
      await advance(201);
      await expect(call).resolves.toBe('fallback');
      expect(guard.recoveryStats.pending).toBe(1);
      backend.behaviour = { kind: 'answer' };
      // The hung drain times out at its own, looser bound and is retried a cool-down later.
      await advance(1001);
      await advance(600);
      expect(guard.recoveryStats.pending).toBe(0);
      await expect(guard.run('get', 'a', (store) => store.get('a'), 'fallback')).resolves.toBeUndefined();
    });
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
    backend.behaviour = {
      kind: 'fail',
      error: new Error("Stream isn't writeable and enableOfflineQueue options is false"),
    };
    await get(guard);
    expect(guard.lastFault).toBe('authentication failed');
    expect(out.lines).toHaveLength(1);
  });

  it('a caller mistake the backend reports (not an integer) reaches the caller and is no fault', async () => {
    const backend = new ControlledBackend();
    const guard = guarded(backend);
    backend.behaviour = { kind: 'fail', error: new NotAnIntegerError('stored value is not an integer') };
    await expect(guard.run('incr', 'k', (store) => store.incrBy('k', 1), null)).rejects.toBeInstanceOf(
      NotAnIntegerError,
    );
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
