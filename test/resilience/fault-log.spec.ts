import type { LoggerService } from '@nestjs/common';
import { FaultLog } from '../../src/resilience/fault-log';

class Lines implements LoggerService {
  readonly lines: { level: string; text: string }[] = [];
  log(text: string): void {
    this.lines.push({ level: 'log', text });
  }
  error(text: string): void {
    this.lines.push({ level: 'error', text });
  }
  warn(text: string): void {
    this.lines.push({ level: 'warn', text });
  }
}

describe('FaultLog', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('logs the first fault at once, then one summary line per kind and window, never one per call', () => {
    const out = new Lines();
    const log = new FaultLog(out, [], 5000);
    for (let i = 0; i < 1000; i++) {
      log.fault('timed out', () => `get failed: timed out #${i}`);
      jest.advanceTimersByTime(10);
    }
    // 10 s of faults: the first line, then one after 5 s and one after 10 s.
    expect(out.lines.map((l) => l.text)).toEqual([
      'get failed: timed out #0',
      'get failed: timed out #500 (499 similar failures in the last 5 s not logged)',
    ]);
    jest.advanceTimersByTime(5000);
    log.fault('timed out', () => 'get failed: timed out #last');
    expect(out.lines[2].text).toBe('get failed: timed out #last (499 similar failures in the last 5 s not logged)');
  });

  it('throttles each kind on its own', () => {
    const out = new Lines();
    const log = new FaultLog(out, []);
    log.fault('connection refused', () => 'refused');
    log.fault('connection refused', () => 'refused again');
    log.fault('authentication failed', () => 'auth');
    log.fault('authentication failed', () => 'auth again');
    expect(out.lines.map((l) => l.text)).toEqual(['refused', 'auth']);
  });

  it('builds the text of a suppressed fault only when it is written', () => {
    const log = new FaultLog(new Lines(), []);
    const describe = jest.fn(() => 'text');
    log.fault('timed out', describe);
    log.fault('timed out', describe);
    log.fault('timed out', describe);
    expect(describe).toHaveBeenCalledTimes(1);
  });

  it('writes one recovery line with the count, then logs the next outage from its first fault', () => {
    const out = new Lines();
    const log = new FaultLog(out, []);
    log.recovered('redis cache');
    expect(out.lines).toEqual([]);
    log.fault('timed out', () => 'first');
    log.fault('timed out', () => 'second');
    jest.advanceTimersByTime(2500);
    log.recovered('redis cache', 40);
    log.recovered('redis cache', 40);
    expect(out.lines[1]).toEqual({
      level: 'log',
      text: 'redis cache recovered after 2.5 s; 42 calls got their fallback meanwhile (2 failed, 40 were held back by the circuit breaker)',
    });
    expect(out.lines).toHaveLength(2);
    log.fault('timed out', () => 'next outage');
    expect(out.lines[2].text).toBe('next outage');
  });

  it('redacts secrets in every line it writes', () => {
    const out = new Lines();
    const log = new FaultLog(out, ['hunter2-secret', 'ab']);
    log.fault('authentication failed', () => 'AUTH hunter2-secret failed for ab');
    log.warn('password hunter2-secret rejected');
    expect(out.lines.map((l) => l.text)).toEqual(['AUTH <redacted> failed for ab', 'password <redacted> rejected']);
  });

  it('hides the password of a URL in a fault (a host name mistyped as a URL reaches getaddrinfo)', () => {
    const out = new Lines();
    const log = new FaultLog(out, [], 5000);
    log.fault('connect', () => 'connect failed: getaddrinfo ENOTFOUND redis://:s3cr%2Ft@cache.internal');
    log.warn('Redis at redis://app:s3cr/t@cache.internal:6379 is not reachable');
    expect(out.lines.map((line) => line.text)).toEqual([
      'connect failed: getaddrinfo ENOTFOUND redis://<hidden>@cache.internal',
      'Redis at redis://<hidden>@cache.internal:6379 is not reachable',
    ]);
  });

  it('writes every fault as one line, whatever the upstream error text held', () => {
    const out = new Lines();
    const log = new FaultLog(out, [], 5000);
    log.fault(
      'reply ERR',
      () =>
        `redis cache get failed: the server refused the command (ERR bad\n2026-12-07 ERROR forged ${'z'.repeat(5000)})`,
    );
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0].text).not.toContain('\n');
    expect(out.lines[0].text).toContain('ERR bad\\u000a2026-12-07 ERROR forged');
    expect(out.lines[0].text.length).toBeLessThan(2100);
  });
});
