import request from 'supertest';
import { RedisTestServer } from '../helpers/redis-server';
import { CaptureLogger } from '../helpers/capture-logger';
import { type FaultApp, startFaultApp } from './support/fault-app';
import { sleep, waitFor } from './support/timing';

const PASSWORD = 'startup-suite-pw-0b6c';

describe('starting while Redis is down', () => {
  let server: RedisTestServer;

  beforeAll(async () => {
    // Start once to own a free port, then stop: the app starts against a port nobody listens on.
    server = await RedisTestServer.start({ password: PASSWORD });
    await server.kill();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('the app starts, warns once, answers 503 and every call falls back until Redis comes; then it works without a restart', async () => {
    const logger = new CaptureLogger();
    const started = Date.now();
    const fault: FaultApp = await startFaultApp({ ...server.env(), CACHE_HEALTH_CACHE_MS: '0' }, logger);
    try {
      const startupMs = Date.now() - started;
      const http = fault.app.getHttpServer();

      const warnings = logger.cacheLines().filter((line) => line.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0].text).toMatch(
        new RegExp(`Redis at 127\\.0\\.0\\.1:${server.port} is not reachable \\(connection refused\\)`),
      );

      const down = await request(http).get('/health/cache');
      expect(down.status).toBe(503);
      expect(down.body).toEqual({ status: 'down', backend: 'redis', error: 'connection refused' });

      const callStarted = Date.now();
      await expect(fault.cache.set('k', 'v')).resolves.toBe(false);
      await expect(fault.cache.get('k', 'fallback')).resolves.toBe('fallback');
      const callMs = Date.now() - callStarted;

      // Still down a while later: no crash, still 503, no log line per call or per reconnect attempt.
      for (let i = 0; i < 200; i++) await fault.cache.get(`k${i}`);
      await sleep(1500);
      expect((await request(http).get('/health/cache')).status).toBe(503);
      const linesWhileDown = logger.cacheLines().length;

      await server.restart();
      const backAt = Date.now();
      const healthy = await waitFor(async () => (await request(http).get('/health/cache')).status === 200, 5000);
      const healthyMs = Date.now() - backAt;
      const writes = await waitFor(() => fault.cache.set('k', 'v'), 5000);
      const writableMs = Date.now() - backAt;
      console.log(
        `start with Redis down: startup ${startupMs} ms, calls while down ${callMs} ms for two, ${linesWhileDown} cache log lines in 1.5 s down, ` +
          `/health/cache 200 after ${healthyMs} ms, first write after ${writableMs} ms once Redis answered` +
          logger
            .cacheLines()
            .map((line) => `\n  ${line.level}: ${line.text}`)
            .join(''),
      );
      expect(healthy).toBe(true);
      expect(writes).toBe(true);
      expect(healthyMs).toBeLessThanOrEqual(2000);
      expect(writableMs).toBeLessThanOrEqual(2000);
      await expect(fault.cache.get('k')).resolves.toBe('v');
      expect(linesWhileDown).toBeLessThanOrEqual(4);
      expect(logger.cacheLines().filter((line) => /recovered after/.test(line.text))).toHaveLength(1);
    } finally {
      await fault.app.close();
      await server.kill();
    }
  });

  it('CACHE_REDIS_REQUIRED=true fails startup with a message that says what and where', async () => {
    const logger = new CaptureLogger();
    const started = Date.now();
    const failure = await startFaultApp({ ...server.env(), CACHE_REDIS_REQUIRED: 'true' }, logger).then(
      async (fault) => {
        await fault.app.close();
        return undefined;
      },
      (error: unknown) => error,
    );
    const waitedMs = Date.now() - started;
    console.log(`CACHE_REDIS_REQUIRED=true with Redis down: startup failed after ${waitedMs} ms: ${String(failure)}`);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(
      `CACHE_REDIS_REQUIRED=true but Redis at 127.0.0.1:${server.port} did not answer within 10 s (connection refused)`,
    );
    expect(logger.text()).not.toContain(PASSWORD);
  }, 30_000);

  it('CACHE_REDIS_REQUIRED=true waits for a Redis that comes up during startup', async () => {
    const logger = new CaptureLogger();
    const starting = startFaultApp({ ...server.env(), CACHE_REDIS_REQUIRED: 'true' }, logger);
    await sleep(1000);
    await server.restart();
    const fault = await starting;
    try {
      await expect(fault.cache.set('required', 1)).resolves.toBe(true);
      expect((await request(fault.app.getHttpServer()).get('/health/cache')).status).toBe(200);
    } finally {
      await fault.app.close();
      await server.kill();
    }
  });
});
