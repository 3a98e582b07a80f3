import { CircuitBreaker } from '../../src/resilience/circuit-breaker';

describe('CircuitBreaker', () => {
  const settings = { failureThreshold: 5 };

  it('stays closed below the threshold and opens on the fifth failure in a row', () => {
    const breaker = new CircuitBreaker(settings);
    const opened = Array.from({ length: 5 }, () => breaker.recordFailure());
    expect(opened).toEqual([false, false, false, false, true]);
    expect(breaker.state).toBe('open');
    expect(breaker.allowsCalls()).toBe(false);
  });

  it('a success in between starts the count again', () => {
    const breaker = new CircuitBreaker(settings);
    for (let i = 0; i < 4; i++) breaker.recordFailure();
    expect(breaker.recordSuccess()).toBe(false);
    for (let i = 0; i < 4; i++) breaker.recordFailure();
    expect(breaker.state).toBe('closed');
  });

  it('a failed probe opens it again without counting as a new opening', () => {
    const breaker = new CircuitBreaker(settings);
    for (let i = 0; i < 5; i++) breaker.recordFailure();
    breaker.beginProbe();
    expect(breaker.state).toBe('half-open');
    expect(breaker.allowsCalls()).toBe(false);
    expect(breaker.recordFailure()).toBe(false);
    expect(breaker.state).toBe('open');
  });

  it('a successful probe closes it and says so', () => {
    const breaker = new CircuitBreaker(settings);
    for (let i = 0; i < 5; i++) breaker.recordFailure();
    breaker.beginProbe();
    expect(breaker.recordSuccess()).toBe(true);
    expect(breaker.state).toBe('closed');
    expect(breaker.allowsCalls()).toBe(true);
  });

  it('beginProbe does nothing to a closed breaker', () => {
    const breaker = new CircuitBreaker(settings);
    breaker.beginProbe();
    expect(breaker.state).toBe('closed');
  });
});
