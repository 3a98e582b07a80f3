import { CacheTimeoutError, DeadlineQueue } from '../../src/resilience/deadline-queue';

const never = <T>() => new Promise<T>(() => undefined);

describe('DeadlineQueue', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('passes on the result of a call that answers in time', async () => {
    const queue = new DeadlineQueue(200);
    await expect(queue.bound(Promise.resolve('value'))).resolves.toBe('value');
  });

  it('passes on the error of a call that fails in time, unchanged', async () => {
    const queue = new DeadlineQueue(200);
    const error = new Error('WRONGPASS');
    await expect(queue.bound(Promise.reject(error))).rejects.toBe(error);
  });

  it('rejects with CacheTimeoutError once the bound has passed, not before', async () => {
    const queue = new DeadlineQueue(200);
    const outcome = jest.fn();
    queue.bound(never()).then(outcome, outcome);
    await jest.advanceTimersByTimeAsync(199);
    expect(outcome).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(2);
    expect(outcome).toHaveBeenCalledWith(expect.any(CacheTimeoutError));
    expect(outcome.mock.calls[0][0]).toMatchObject({ code: 'ETIMEDOUT', message: 'no answer within 200 ms' });
  });

  it('expires calls started at different times each at their own deadline', async () => {
    const queue = new DeadlineQueue(100);
    const expired: number[] = [];
    for (let i = 0; i < 5; i++) {
      queue.bound(never()).catch(() => expired.push(i));
      await jest.advanceTimersByTimeAsync(30);
    }
    // Calls started at 0, 30, 60, 90, 120 ms, so their deadlines are 100 to 220 ms; it is now 150 ms.
    expect(expired).toEqual([0, 1]);
    await jest.advanceTimersByTimeAsync(50);
    expect(expired).toEqual([0, 1, 2, 3]);
    await jest.advanceTimersByTimeAsync(100);
    expect(expired).toEqual([0, 1, 2, 3, 4]);
  });

  it('leaves a call that answered alone when its deadline passes later', async () => {
    const queue = new DeadlineQueue(100);
    let answer!: (value: string) => void;
    const bounded = queue.bound(new Promise<string>((resolve) => (answer = resolve)));
    answer('in time');
    await jest.advanceTimersByTimeAsync(500);
    await expect(bounded).resolves.toBe('in time');
  });

  it('bounds thousands of hung calls with one timer, and all of them expire', async () => {
    const queue = new DeadlineQueue(200);
    const results = Array.from({ length: 5000 }, () => queue.bound(never()).catch((e: unknown) => e));
    expect(jest.getTimerCount()).toBe(1);
    await jest.advanceTimersByTimeAsync(201);
    const settled = await Promise.all(results);
    expect(settled.every((e) => e instanceof CacheTimeoutError)).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('expireAll rejects every call still waiting and stops its timer', async () => {
    const queue = new DeadlineQueue(10_000);
    const pending = [queue.bound(never()), queue.bound(never())].map((p) => p.catch((e: unknown) => e));
    queue.expireAll();
    const settled = await Promise.all(pending);
    expect(settled.every((e) => e instanceof CacheTimeoutError)).toBe(true);
    expect(jest.getTimerCount()).toBe(0);
  });
});
