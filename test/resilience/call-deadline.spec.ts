import { CacheTimeoutError, settleWithin, withinBound } from '../../src/resilience/call-deadline';

const never = <T>() => new Promise<T>(() => undefined);

describe('withinBound / settleWithin', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('passes on the result of a call that answers in time, and clears its timer', async () => {
    await expect(withinBound(Promise.resolve('value'), 200)).resolves.toBe('value');
    expect(jest.getTimerCount()).toBe(0);
  });

  it('passes on the error of a call that fails in time, unchanged', async () => {
    const error = new Error('WRONGPASS');
    await expect(withinBound(Promise.reject(error), 200)).rejects.toBe(error);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects with CacheTimeoutError once the bound has passed, not before', async () => {
    const outcome = jest.fn();
    withinBound(never(), 200).then(outcome, outcome);
    await jest.advanceTimersByTimeAsync(199);
    expect(outcome).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(2);
    expect(outcome).toHaveBeenCalledWith(expect.any(CacheTimeoutError));
    expect(outcome.mock.calls[0][0]).toMatchObject({ code: 'ETIMEDOUT', boundMs: 200, message: 'no answer within 200 ms' });
  });

  it('expires calls started at different times each at their own deadline', async () => {
    const expired: number[] = [];
    for (let i = 0; i < 5; i++) {
      withinBound(never(), 100).catch(() => expired.push(i));
      await jest.advanceTimersByTimeAsync(30);
    }
    // Started at 0, 30, 60, 90, 120 ms: deadlines 100 to 220 ms; it is now 150 ms.
    expect(expired).toEqual([0, 1]);
    await jest.advanceTimersByTimeAsync(50);
    expect(expired).toEqual([0, 1, 2, 3]);
    await jest.advanceTimersByTimeAsync(100);
    expect(expired).toEqual([0, 1, 2, 3, 4]);
  });

  it('ignores an answer that arrives after the bound', async () => {
    let answer!: (value: string) => void;
    const onValue = jest.fn((value: string) => value);
    const bounded = settleWithin(new Promise<string>((resolve) => (answer = resolve)), 100, onValue, () => 'fallback');
    await jest.advanceTimersByTimeAsync(101);
    answer('late');
    await expect(bounded).resolves.toBe('fallback');
    expect(onValue).not.toHaveBeenCalled();
  });

  it('maps the outcome through the handlers, and rejects when a handler throws', async () => {
    await expect(settleWithin(Promise.resolve(2), 100, (n) => n * 10, () => -1)).resolves.toBe(20);
    await expect(settleWithin(Promise.reject(new Error('x')), 100, () => 0, () => -1)).resolves.toBe(-1);
    const caller = new TypeError('caller mistake');
    await expect(
      settleWithin(Promise.reject(new Error('x')), 100, () => 0, () => {
        throw caller;
      }),
    ).rejects.toBe(caller);
  });
});
