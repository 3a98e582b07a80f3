import { GraphTokenError } from '../../src';
import { FakeTokenEndpoint } from '../helpers/fake-token-endpoint';
import { RedisTestServer } from '../helpers/redis-server';
import { graphEnv, startGraphApp, TENANT, type GraphTestApp } from './graph-test-app';

const KEY = ':1:graph_token_cache';
const HOUR_MS = 3_600_000;
/** A fake log line an attacker with write access to Redis wants an operator to read. */
const FORGED = '2026-12-07T12:00:00.000Z WARN [GraphTokenService] token fetched for tenant admin; MFA disabled';
const PLANTED = `other-tenant\n${FORGED}${'A'.repeat(20_000)}`;

describe('text planted in the shared token entries never reaches a log line or an error as it is', () => {
  let endpoint: FakeTokenEndpoint;
  let redis: RedisTestServer;
  let graph: GraphTestApp;

  beforeAll(async () => {
    [endpoint, redis] = await Promise.all([FakeTokenEndpoint.start(), RedisTestServer.start()]);
  });
  afterAll(async () => {
    await Promise.all([endpoint.stop(), redis.stop()]);
  });
  beforeEach(async () => {
    endpoint.reset();
    redis.cli('FLUSHALL');
    // The json format and no encryption key: any client of the Redis can write a readable entry.
    graph = await startGraphApp(graphEnv({ ...redis.env(), CACHE_VALUE_FORMAT: 'json' }), endpoint);
  });
  afterEach(async () => {
    await graph.close();
  });

  /** Every line that names the planted text, and a check that none of them carries it raw. */
  function expectNoForgedLine(text: string): void {
    expect(text).not.toContain(`\n${FORGED}`);
    expect(text).not.toContain('A'.repeat(500));
  }

  it('a shared entry of another tenant whose tenantId holds a newline and a fake line: one escaped, shortened WARN line', async () => {
    const now = Date.now();
    const planted = {
      accessToken: 'planted-token',
      expiresOn: new Date(now + HOUR_MS).toISOString(),
      fetchedAt: new Date(now).toISOString(),
      tenantId: PLANTED,
      clientId: `client\r\n${FORGED}`,
      scopes: ['https://graph.microsoft.com/.default', `x\u2028${FORGED}`],
    };
    redis.cli('SET', KEY, JSON.stringify(planted), 'PX', String(HOUR_MS));

    const token = await graph.tokens.getAccessToken();
    expect(token).not.toBe('planted-token');
    expect(endpoint.count).toBe(1);

    const warnings = graph.logs.filter((line) => line.startsWith('warn') && line.includes('belongs to tenant'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('belongs to tenant "other-tenant\\u000a2026-12-07T12:00:00.000Z WARN');
    expect(warnings[0]).toContain('client "client\\u000d\\u000a2026');
    expect(warnings[0]).toContain('\\u2028');
    expect(warnings[0]).not.toMatch(/[\n\r\u2028]/);
    expect(warnings[0].length).toBeLessThan(800);
    expectNoForgedLine(graph.logs.join('\n'));
    expect(graph.logs.some((line) => line.includes(TENANT) && line.startsWith('log') && line.includes('fetched'))).toBe(
      true,
    );
  });

  it("a planted failure of a lock holder: the caller's error and the log carry its text escaped and shortened", async () => {
    // A lock held by "someone", and that someone's published failure, both planted.
    redis.cli('SET', `${KEY}:lock`, JSON.stringify('planted-owner'), 'PX', '20000');
    redis.cli(
      'SET',
      `${KEY}:failure`,
      JSON.stringify({
        owner: 'planted-owner',
        code: 'REJECTED',
        message: PLANTED,
        correlationId: `id\n${FORGED}`,
        serverError: 'invalid_client',
      }),
      'PX',
      '20000',
    );

    const error = await graph.tokens.getAccessToken().then(
      () => new Error('a token was returned'),
      (failed: unknown) => failed as Error,
    );
    expect(error).toBeInstanceOf(GraphTokenError);
    const failure = error as GraphTokenError;
    expect(failure.message).toContain('failed: "other-tenant\\u000a2026-12-07T12:00:00.000Z WARN');
    expect(failure.message).not.toMatch(/[\n\r]/);
    expect(failure.message.length).toBeLessThan(600);
    expect(failure.correlationId).toBeUndefined();
    expect(failure.serverError).toBe('invalid_client');
    expect(graph.tokens.status.lastError?.message).toBe(failure.message);
    expectNoForgedLine(graph.logs.join('\n'));
  });

  it('a planted failure with a code that is not one of ours is no failure at all: the waiter fetches a token itself', async () => {
    redis.cli('SET', `${KEY}:lock`, JSON.stringify('planted-owner'), 'PX', '1500');
    redis.cli(
      'SET',
      `${KEY}:failure`,
      JSON.stringify({ owner: 'planted-owner', code: `X\n${FORGED}`, message: 'boom' }),
      'PX',
      '20000',
    );
    expect(typeof (await graph.tokens.getAccessToken())).toBe('string');
    expectNoForgedLine(graph.logs.join('\n'));
  });
});
