import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import request from 'supertest';
import { CacheHealthIndicator } from '../../src/index';
import { RedisTestServer } from '../helpers/redis-server';
import { createHostApp } from '../helpers/ecosystem-app';

const PASSWORD = 'terminus-test-secret';

@Controller('status')
class StatusController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly cacheIndicator: CacheHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.cacheIndicator.isHealthy('cache')]);
  }
}

describe('CacheHealthIndicator inside a Terminus health check', () => {
  let redis: RedisTestServer;
  let app: INestApplication;

  beforeAll(async () => {
    redis = await RedisTestServer.start({ password: PASSWORD });
    app = await createHostApp(
      // Probe on every request, so the answer follows the backend at once.
      { ...redis.env(), CACHE_HEALTH_CACHE_MS: '0' },
      { controllers: [StatusController], imports: [TerminusModule.forRoot({ logger: false })] },
    );
  });

  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  it('by default reports status, backend and latency only, as /health/cache does', async () => {
    const response = await request(app.getHttpServer()).get('/status').expect(200);
    expect(response.body.info.cache).toStrictEqual({ status: 'up', backend: 'redis', latencyMs: expect.any(Number) });
  });

  it('with CACHE_HEALTH_DETAILS=true answers 200 with the backend details while Redis is up', async () => {
    const detailed = await createHostApp(
      { ...redis.env(), CACHE_HEALTH_DETAILS: 'true' },
      { controllers: [StatusController], imports: [TerminusModule.forRoot({ logger: false })] },
    );
    const response = await request(detailed.getHttpServer())
      .get('/status')
      .expect(200)
      .then((answer) => detailed.close().then(() => answer));
    expect(response.body.status).toBe('ok');
    expect(response.body.info.cache).toMatchObject({
      status: 'up',
      backend: 'redis',
      redisHost: '127.0.0.1',
      redisPort: redis.port,
    });
    expect(typeof response.body.info.cache.latencyMs).toBe('number');
    expect(JSON.stringify(response.body)).not.toContain(PASSWORD);
  });

  it('answers 503 with the reason while Redis is down, and 200 again once it is back', async () => {
    await redis.kill();
    const down = await request(app.getHttpServer()).get('/status').expect(503);
    expect(down.body.status).toBe('error');
    expect(down.body.error.cache).toMatchObject({ status: 'down', backend: 'redis' });
    expect(down.body.error.cache.error).toEqual(expect.any(String));
    expect(JSON.stringify(down.body)).not.toContain(PASSWORD);

    await redis.restart();
    await waitFor(async () => (await request(app.getHttpServer()).get('/status')).status === 200);
    const up = await request(app.getHttpServer()).get('/status').expect(200);
    expect(up.body.info.cache.status).toBe('up');
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
