import { setImmediate as loopTurn } from 'node:timers/promises';
import { once } from 'node:events';
import { createServer, type AddressInfo, connect } from 'node:net';
import { CacheTimeoutError, DeadlineQueue } from '../../src/resilience/deadline-queue';

const never = <T>() => new Promise<T>(() => undefined);
const pass = <T>(value: T): T => value;
const rethrow = (error: unknown): never => {
  throw error;
};

/**
 * Advances the fake clock, then lets real turns of the loop pass: a due call is judged
 * only after the loop has read its sockets twice (DeadlineQueue).
 */
async function advance(ms: number): Promise<void> {
  await jest.advanceTimersByTimeAsync(ms);
  for (let turn = 0; turn < 3; turn++) await loopTurn();
}

describe('DeadlineQueue', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('passes on the result of a call that answers in time', async () => {
    const queue = new DeadlineQueue(200);
    await expect(queue.settle(Promise.resolve('value'), pass, rethrow)).resolves.toBe('value');
  });

  it('passes on the error of a call that fails in time, unchanged', async () => {
    const queue = new DeadlineQueue(200);
    const error = new Error('WRONGPASS');
    await expect(queue.settle(Promise.reject(error), pass, rethrow)).rejects.toBe(error);
  });

  it('times out a call once the bound has passed, not before', async () => {
    const queue = new DeadlineQueue(200);
    const outcome = jest.fn();
    queue.settle(never(), pass, rethrow).then(outcome, outcome);
    await advance(199);
    expect(outcome).not.toHaveBeenCalled();
    await advance(2);
    expect(outcome).toHaveBeenCalledWith(expect.any(CacheTimeoutError));
    expect(outcome.mock.calls[0][0]).toMatchObject({
      code: 'ETIMEDOUT',
      boundMs: 200,
      message: 'no answer within 200 ms',
    });
  });

  it('expires calls started at different times each at their own deadline', async () => {
    const queue = new DeadlineQueue(100);
    const expired: number[] = [];
    for (let i = 0; i < 5; i++) {
      queue.settle(never(), pass, rethrow).catch(() => expired.push(i));
      await advance(30);
    }
    // Started at 0, 30, 60, 90, 120 ms: deadlines 100 to 220 ms; it is now 150 ms.
    expect(expired).toEqual([0, 1]);
    await advance(50);
    expect(expired).toEqual([0, 1, 2, 3]);
    await advance(100);
    expect(expired).toEqual([0, 1, 2, 3, 4]);
  });

  it('still times out a hung call behind calls that answered (answers out of order)', async () => {
    const queue = new DeadlineQueue(100);
    const hung = queue.settle(never(), pass, () => 'timed out');
    const answered = await Promise.all([1, 2, 3].map((n) => queue.settle(Promise.resolve(n), pass, rethrow)));
    expect(answered).toEqual([1, 2, 3]);
    await advance(101);
    await expect(hung).resolves.toBe('timed out');
  });

  it('ignores an answer that arrives after the bound', async () => {
    const queue = new DeadlineQueue(100);
    let answer!: (value: string) => void;
    const onValue = jest.fn(pass);
    const bounded = queue.settle(new Promise<string>((resolve) => (answer = resolve)), onValue, () => 'fallback');
    await advance(101);
    answer('late');
    await expect(bounded).resolves.toBe('fallback');
    expect(onValue).not.toHaveBeenCalled();
  });

  it('bounds thousands of hung calls with one timer, and all of them expire', async () => {
    const queue = new DeadlineQueue(200);
    const results = Array.from({ length: 5000 }, () => queue.settle(never(), pass, rethrow).catch((e: unknown) => e));
    expect(jest.getTimerCount()).toBe(1);
    await advance(201);
    const settled = await Promise.all(results);
    expect(settled.every((e) => e instanceof CacheTimeoutError)).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('maps the outcome through the handlers, and rejects when a handler throws', async () => {
    const queue = new DeadlineQueue(100);
    await expect(
      queue.settle(
        Promise.resolve(2),
        (n: number) => n * 10,
        () => -1,
      ),
    ).resolves.toBe(20);
    await expect(
      queue.settle(
        Promise.reject(new Error('x')),
        () => 0,
        () => -1,
      ),
    ).resolves.toBe(-1);
    const mistake = new TypeError('caller mistake');
    await expect(
      queue.settle(
        Promise.reject(new Error('x')),
        () => 0,
        () => {
          throw mistake;
        },
      ),
    ).rejects.toBe(mistake);
  });

  it('expireAll settles every call still waiting as timed out', async () => {
    const queue = new DeadlineQueue(10_000);
    const pending = [queue.settle(never(), pass, rethrow), queue.settle(never(), pass, rethrow)].map((p) =>
      p.catch((e: unknown) => e),
    );
    queue.expireAll();
    const settled = await Promise.all(pending);
    expect(settled.every((e) => e instanceof CacheTimeoutError)).toBe(true);
  });

  describe('on a wall clock that steps back', () => {
    beforeEach(() => jest.useRealTimers());

    it('still times a call out at its bound', async () => {
      const queue = new DeadlineQueue(50);
      const realNow = Date.now;
      const pending = queue.settle(never(), pass, (error: unknown) => error);
      // An NTP correction of an hour backwards, right after the call started.
      Date.now = () => realNow() - 3_600_000;
      try {
        let guardTimer: NodeJS.Timeout | undefined;
        const stillWaiting = new Promise((resolve) => (guardTimer = setTimeout(resolve, 5000, 'still waiting')));
        const outcome = await Promise.race([pending, stillWaiting]);
        clearTimeout(guardTimer);
        expect(outcome).toBeInstanceOf(CacheTimeoutError);
      } finally {
        Date.now = realNow;
      }
    });
  });

  describe('when this process did not turn its loop for longer than the bound', () => {
    beforeEach(() => jest.useRealTimers());

    it('an answer that reached the socket in time wins over the deadline timer that fires first', async () => {
      // A real socket pair: the answer arrives while the process is busy, and is read only once the loop turns.
      const server = createServer((socket) => socket.on('data', () => socket.write('PONG')));
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const client = connect((server.address() as AddressInfo).port, '127.0.0.1');
      await once(client, 'connect');
      try {
        const queue = new DeadlineQueue(50);
        const answer = new Promise<string>((resolve) => client.once('data', (data) => resolve(data.toString())));
        client.write('PING');
        const outcome = queue.settle(answer, pass, (error: unknown) => error);
        // Busy for three bounds without turning the loop; the server answers meanwhile.
        const busyUntil = performance.now() + 150;
        while (performance.now() < busyUntil);
        await expect(outcome).resolves.toBe('PONG');
      } finally {
        client.destroy();
        server.close();
      }
    });
  });
});
