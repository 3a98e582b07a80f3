import { parseCacheEnv, resolveCacheOptions } from '../../src';
import { graphEnv, problemsOf, startGraphApp } from './graph-test-app';

describe('GRAPH_AUTHORITY_HOST, checked at startup', () => {
  it('an http authority stops startup with one CacheConfigError that says https is required', () => {
    // It used to pass, and every token request then failed with msal's authority_uri_insecure.
    const problems = problemsOf(() => parseCacheEnv(graphEnv({ GRAPH_AUTHORITY_HOST: 'http://127.0.0.1:8080' })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^GRAPH_AUTHORITY_HOST="http:\/\/127\.0\.0\.1:8080" is invalid: https is required/);
    expect(problems[0]).toContain('authority_uri_insecure');
    // It points to the fix for a local fake endpoint, the usual reason for http here.
    expect(problems[0]).toContain(
      'set GRAPH_AUTHORITY_METADATA to an OpenID configuration whose token_endpoint is the http://127.0.0.1:<port>/... URL',
    );
  });

  it('so does an http authorityHost given in code, naming the option and its variable', () => {
    const problems = problemsOf(() => resolveCacheOptions({ graph: { authorityHost: 'http://login.example.org' } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^graph\.authorityHost \(GRAPH_AUTHORITY_HOST\)="http:\/\/login\.example\.org" is invalid: https is required/,
    );
  });

  it('the app does not start with it', async () => {
    await expect(startGraphApp(graphEnv({ GRAPH_AUTHORITY_HOST: 'http://127.0.0.1:8080' }))).rejects.toThrow(
      /GRAPH_AUTHORITY_HOST="http:\/\/127\.0\.0\.1:8080" is invalid: https is required/,
    );
  });

  it.each([
    ['a bare host', 'login.microsoftonline.com'],
    ['a path', '/common'],
    ['a scheme without //', 'https:login.microsoftonline.com'],
    ['no host', 'https:///common'],
    ['a space in the host', 'https://login microsoftonline.com'],
  ])('refuses %s: not an absolute URL', (_name, text) => {
    const problems = problemsOf(() => parseCacheEnv({ GRAPH_AUTHORITY_HOST: text }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`GRAPH_AUTHORITY_HOST=${JSON.stringify(text)} is invalid: it is not an absolute URL`);
  });

  it.each([
    ['a user name', 'https://user@login.microsoftonline.com'],
    ['a query', 'https://login.microsoftonline.com?x=1'],
    ['a fragment', 'https://login.microsoftonline.com#x'],
  ])('refuses %s, which the tenant cannot follow', (_name, text) => {
    const problems = problemsOf(() => parseCacheEnv({ GRAPH_AUTHORITY_HOST: text }));
    expect(problems).toHaveLength(1);
    // User info is never echoed: it may hold a password.
    const shown = text.replace('//user@', '//<hidden>@');
    expect(problems[0]).toContain(
      `GRAPH_AUTHORITY_HOST=${JSON.stringify(shown)} is invalid: it must not have a user name, query or fragment`,
    );
  });

  it.each([
    ['https://login.microsoftonline.us', 'https://login.microsoftonline.us'],
    [' https://login.partner.microsoftonline.cn/ ', 'https://login.partner.microsoftonline.cn/'],
    ['HTTPS://login.example.org:8443', 'HTTPS://login.example.org:8443'],
  ])('takes %p', (text, value) => {
    expect(parseCacheEnv({ GRAPH_AUTHORITY_HOST: text }).graph.authorityHost).toBe(value);
  });
});
