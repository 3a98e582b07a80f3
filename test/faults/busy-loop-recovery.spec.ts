import { RedisTestServer } from '../helpers/redis-server';
import { CaptureLogger } from '../helpers/capture-logger';
import { type FaultApp, startFaultApp } from './support/fault-app';
import { sleep } from './support/timing';

/**
 * A batch job or poller that only awaits cache calls never lets a timer run while the
 * breaker is open (each call answers inside a microtask). Recovery must not depend on one.
 */
describe('a loop that only awaits cache calls sees Redis come back (real redis-server)', () => {
  let server: RedisTestServer;
  let fault: FaultApp;

  beforeAll(async () => {
    server = await RedisTestServer.start();
    fault = await startFaultApp(server.env(), new CaptureLogger());
  });

  afterAll(async () => {
    await fault?.app.close();
    await server?.stop();
  });

  it('after SIGSTOP opened the breaker and SIGCONT resumed Redis, the loop reads the value again', async () => {
    expect(await fault.cache.set('job:cursor', 42, null)).toBe(true);
    server.pause();
    try {
      while (fault.guard.breakerState !== 'open') await fault.cache.get('job:cursor');
    } finally {
      server.resume();
    }
    await sleep(50);
    const resumedAt = performance.now();
    let seen: unknown;
    let iterations = 0;
    // No timer runs inside this loop unless a call goes to the network.
    while (seen !== 42 && performance.now() - resumedAt < 5000) {
      seen = await fault.cache.get('job:cursor');
      iterations++;
    }
    expect(seen).toBe(42);
    expect(iterations).toBeGreaterThan(1);
    expect(fault.guard.breakerState).toBe('closed');
  });
});
