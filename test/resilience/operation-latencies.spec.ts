import { OperationLatencies } from '../../src/resilience/operation-latencies';

describe('OperationLatencies: in-process calls timed by sample', () => {
  it('times one in-process call in 16 and counts every call, untimed ones at the last timed duration', () => {
    const latencies = new OperationLatencies();
    let timed = 0;
    for (let i = 0; i < 160; i++) {
      if (latencies.sampleDue()) {
        timed++;
        latencies.record('get', 0.002);
      } else latencies.recordUntimed('get');
    }
    expect(timed).toBe(10);
    expect(latencies.summaries().get).toMatchObject({ count: 160, p50: 0.002, max: 0.002 });
  });

  it('times every call while an observer hears each duration (OpenTelemetry)', () => {
    const latencies = new OperationLatencies();
    const heard: number[] = [];
    latencies.observer = (_operation, ms) => heard.push(ms);
    let timed = 0;
    for (let i = 0; i < 32; i++) if (latencies.sampleDue()) timed++;
    expect(timed).toBe(32);
  });
});
