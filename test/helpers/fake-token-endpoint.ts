import { constants, createHash, verify, X509Certificate } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** What the fake Entra ID answers to one token request. */
export type FakeTokenAnswer =
  | { kind: 'token'; expiresIn?: number; delayMs?: number }
  | { kind: 'status'; status: number; error?: string; retryAfterSeconds?: number }
  | { kind: 'invalidClient' }
  | { kind: 'garbage' }
  | { kind: 'noAccessToken' }
  | { kind: 'hang' };

/** One request the endpoint received, without the client secret. */
export interface RecordedTokenRequest {
  method: string;
  /** Without the query string (msal-node adds a client-request-id). */
  path: string;
  clientId?: string;
  scope?: string;
  grantType?: string;
  hadSecret: boolean;
  /** The client_assertion as sent (a JWT), for certificate or assertion credentials. */
  clientAssertion?: string;
  clientAssertionType?: string;
  /**
   * Whether the assertion passed the checks Entra ID makes (signature by a trusted
   * certificate named by its x5t#S256 or x5t, audience, issuer, subject, expiry); undefined
   * when no certificate is trusted.
   */
  assertionValid?: boolean;
  /** What the endpoint answered with (the token text for a 'token' answer). */
  answer: FakeTokenAnswer['kind'];
  accessToken?: string;
}

/**
 * A fake Entra ID token endpoint on 127.0.0.1. It counts every request it receives, so a
 * test can prove how many token requests a scenario caused, and answers each with the
 * next queued answer, or the default one.
 */
export class FakeTokenEndpoint {
  readonly requests: RecordedTokenRequest[] = [];
  private defaultAnswer: FakeTokenAnswer = { kind: 'token' };
  private queued: FakeTokenAnswer[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly hanging = new Set<ServerResponse>();
  private issued = 0;
  private waiters: { count: number; resolve: () => void }[] = [];
  private readonly trusted: X509Certificate[] = [];

  private constructor(private readonly server: Server) {}

  static async start(): Promise<FakeTokenEndpoint> {
    let endpoint: FakeTokenEndpoint | undefined;
    const server = createServer((req, res) => endpoint!.handle(req, res));
    endpoint = new FakeTokenEndpoint(server);
    server.on('connection', (socket) => {
      endpoint.sockets.add(socket);
      socket.on('close', () => endpoint.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return endpoint;
  }

  get port(): number {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** Hung requests whose connection the client has not closed yet. */
  get openHangingConnections(): number {
    return [...this.hanging].filter((res) => !res.socket?.destroyed).length;
  }

  /**
   * Checks every client_assertion against these certificates from now on, as Entra ID
   * checks one against the certificates uploaded to the app registration; a request whose
   * assertion fails is answered 401 invalid_client.
   */
  trustCertificate(pem: string): void {
    this.trusted.push(new X509Certificate(pem));
  }

  /** Requests received so far: every one of them is a token request. */
  get count(): number {
    return this.requests.length;
  }

  tokenUrl(tenantId: string): string {
    return `http://127.0.0.1:${this.port}/${tenantId}/oauth2/v2.0/token`;
  }

  /**
   * OpenID metadata for `auth.authorityMetadata` (or GRAPH_AUTHORITY_METADATA) of the
   * authority `<authorityHost>/<tenantId>`. msal-node refuses an http:// authority, but
   * takes an https one whose metadata names an http token endpoint (measured with 7.2.3).
   */
  authorityMetadata(tenantId: string, authorityHost = 'https://login.microsoftonline.com'): string {
    const base = `${authorityHost}/${tenantId}`;
    return JSON.stringify({
      token_endpoint: this.tokenUrl(tenantId),
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      issuer: `${base}/v2.0`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
    });
  }

  /**
   * The `graph.msal` options that point msal-node at this endpoint and nowhere else: the
   * authority's host is "known", so msal skips instance discovery.
   */
  msalOptions(tenantId: string): { auth: { authorityMetadata: string; knownAuthorities: string[] } } {
    return {
      auth: { authorityMetadata: this.authorityMetadata(tenantId), knownAuthorities: ['login.microsoftonline.com'] },
    };
  }

  /** The answer for every request that finds the queue empty. */
  answerWith(answer: FakeTokenAnswer): void {
    this.defaultAnswer = answer;
  }

  /** Answers for the next requests, in order. */
  answerNext(...answers: FakeTokenAnswer[]): void {
    this.queued.push(...answers);
  }

  /** Forgets the recorded requests and queued answers; answers normally again; hung requests are cut. */
  reset(): void {
    this.requests.length = 0;
    this.queued = [];
    this.defaultAnswer = { kind: 'token' };
    this.trusted.length = 0;
    this.cutHanging();
  }

  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number, timeoutMs = 10_000): Promise<void> {
    if (this.requests.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`fake token endpoint saw ${this.requests.length} requests, expected ${count}`)),
        timeoutMs,
      );
      this.waiters.push({
        count,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  async stop(): Promise<void> {
    this.cutHanging();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private cutHanging(): void {
    for (const res of this.hanging) res.socket?.destroy();
    this.hanging.clear();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const path = (req.url ?? '').split('?')[0];
      const clientAssertion = form.get('client_assertion') ?? undefined;
      const assertionValid =
        clientAssertion !== undefined && this.trusted.length > 0
          ? this.assertionIsValid(clientAssertion, form.get('client_id') ?? '', `http://127.0.0.1:${this.port}${path}`)
          : undefined;
      const queued = this.queued.shift() ?? this.defaultAnswer;
      const answer: FakeTokenAnswer = assertionValid === false ? { kind: 'invalidClient' } : queued;
      const record: RecordedTokenRequest = {
        method: req.method ?? '',
        path,
        clientId: form.get('client_id') ?? undefined,
        scope: form.get('scope') ?? undefined,
        grantType: form.get('grant_type') ?? undefined,
        hadSecret: form.has('client_secret'),
        clientAssertion,
        clientAssertionType: form.get('client_assertion_type') ?? undefined,
        assertionValid,
        answer: answer.kind,
      };
      this.requests.push(record);
      this.waiters = this.waiters.filter((waiter) => {
        if (this.requests.length < waiter.count) return true;
        waiter.resolve();
        return false;
      });
      this.respond(answer, record, res);
    });
  }

  private respond(answer: FakeTokenAnswer, record: RecordedTokenRequest, res: ServerResponse): void {
    switch (answer.kind) {
      case 'token': {
        const token = `fake-access-token-${++this.issued}-${process.pid}`;
        record.accessToken = token;
        const send = () =>
          json(res, 200, {
            token_type: 'Bearer',
            expires_in: answer.expiresIn ?? 3599,
            ext_expires_in: 3599,
            access_token: token,
          });
        if (answer.delayMs) setTimeout(send, answer.delayMs);
        else send();
        return;
      }
      case 'status':
        if (answer.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(answer.retryAfterSeconds));
        json(res, answer.status, {
          error: answer.error ?? (answer.status === 429 ? 'temporarily_unavailable' : 'server_error'),
          error_description: `AADSTS90000: fake failure with status ${answer.status}.`,
          error_codes: [90000],
          correlation_id: '00000000-0000-0000-0000-00000000c0de',
        });
        return;
      case 'invalidClient':
        json(res, 401, {
          error: 'invalid_client',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
          error_codes: [7000215],
          correlation_id: '00000000-0000-0000-0000-00000000c0de',
        });
        return;
      case 'garbage':
        res.writeHead(200, { 'Content-Type': 'text/html' });
        res.end('<html><body>Service temporarily unavailable</body></html>');
        return;
      case 'noAccessToken':
        json(res, 200, { token_type: 'Bearer', expires_in: 3599 });
        return;
      case 'hang':
        this.hanging.add(res);
        res.socket?.once('close', () => this.hanging.delete(res));
        return;
    }
  }

  private assertionIsValid(jwt: string, clientId: string, audience: string): boolean {
    const [headerPart, payloadPart, signaturePart] = jwt.split('.');
    if (!headerPart || !payloadPart || !signaturePart) return false;
    try {
      const header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as Record<string, string>;
      const payload = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as Record<string, unknown>;
      const cert = this.trusted.find(
        (c) =>
          header['x5t#S256'] === createHash('sha256').update(c.raw).digest('base64url') ||
          header.x5t === createHash('sha1').update(c.raw).digest('base64url'),
      );
      if (!cert) return false;
      const key =
        header.alg === 'PS256'
          ? {
              key: cert.publicKey,
              padding: constants.RSA_PKCS1_PSS_PADDING,
              saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
            }
          : header.alg === 'RS256'
            ? cert.publicKey
            : undefined;
      if (!key) return false;
      const signed = verify(
        'sha256',
        Buffer.from(`${headerPart}.${payloadPart}`),
        key,
        Buffer.from(signaturePart, 'base64url'),
      );
      const now = Date.now() / 1000;
      return (
        signed &&
        payload.aud === audience &&
        payload.iss === clientId &&
        payload.sub === clientId &&
        typeof payload.exp === 'number' &&
        payload.exp > now
      );
    } catch {
      return false;
    }
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

/**
 * One endpoint for the enclosing describe block: started before its tests, reset before
 * each, stopped after them. `onStarted` hands it to the suite's own variable.
 */
export function useFakeTokenEndpoint(onStarted: (endpoint: FakeTokenEndpoint) => void): void {
  let endpoint: FakeTokenEndpoint | undefined;
  beforeAll(async () => {
    endpoint = await FakeTokenEndpoint.start();
    onStarted(endpoint);
  });
  afterAll(async () => {
    await endpoint?.stop();
  });
  beforeEach(() => endpoint?.reset());
}
