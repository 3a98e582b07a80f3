import { CircuitBreaker } from '../../src/resilience/circuit-breaker';

describe('CircuitBreaker', () => {
  const settings = { failureThreshold: 5, cooldownMs: 500 };
  const openAt = (now: number): CircuitBreaker => {
    const breaker = new CircuitBreaker(settings);
    for (let i = 0; i < 5; i++) breaker.recordFailure(now);
    return breaker;
  };

  it('stays closed below the threshold and opens on the fifth failure in a row', () => {
    const breaker = new CircuitBreaker(settings);
    const opened = Array.from({ length: 5 }, () => breaker.recordFailure(0));
    expect(opened).toEqual([false, false, false, false, true]);
    expect(breaker.state).toBe('open');
    expect(breaker.allowsCalls()).toBe(false);
  });

  it('a success in between starts the count again', () => {
    const breaker = new CircuitBreaker(settings);
    for (let i = 0; i < 4; i++) breaker.recordFailure(0);
    expect(breaker.recordSuccess()).toBe(false);
    for (let i = 0; i < 4; i++) breaker.recordFailure(0);
    expect(breaker.state).toBe('closed');
  });

  it('admits no call during the cool-down, then exactly one probe', () => {
    const breaker = openAt(1000);
    expect(breaker.admit(1000)).toBe(false);
    expect(breaker.admit(1499)).toBe(false);
    expect(breaker.admit(1500)).toBe(true);
    expect(breaker.state).toBe('half-open');
    // While the probe is out, everyone else still gets the fallback.
    expect(breaker.admit(1500)).toBe(false);
    expect(breaker.admit(99_999)).toBe(false);
  });

  it('a failed probe opens it again for a new cool-down, without counting as a new opening', () => {
    const breaker = openAt(0);
    expect(breaker.admit(500)).toBe(true);
    expect(breaker.recordFailure(600)).toBe(false);
    expect(breaker.state).toBe('open');
    expect(breaker.admit(1099)).toBe(false);
    expect(breaker.admit(1100)).toBe(true);
  });

  it('a successful probe closes it and says so', () => {
    const breaker = openAt(0);
    expect(breaker.admit(500)).toBe(true);
    expect(breaker.recordSuccess()).toBe(true);
    expect(breaker.state).toBe('closed');
    expect(breaker.allowsCalls()).toBe(true);
    expect(breaker.admit(500)).toBe(true);
  });

  it('expediteProbe lets the next call probe before the cool-down ends', () => {
    const breaker = openAt(0);
    breaker.expediteProbe();
    expect(breaker.admit(1)).toBe(true);
  });
});
