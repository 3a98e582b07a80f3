import type { GraphTokenOptions } from '../config/cache-options';

/**
 * Names of the client credentials that are set, in the words an operator configured them
 * with. msal-node takes exactly one and refuses a client that has two.
 */
export function configuredCredentials(graph: GraphTokenOptions): string[] {
  const auth = graph.msal?.auth;
  const set: [unknown, string][] = [
    [graph.clientSecret, 'GRAPH_CLIENT_SECRET'],
    [graph.clientCertificateFile, 'GRAPH_CLIENT_CERTIFICATE_FILE'],
    [auth?.clientSecret, 'graph.msal.auth.clientSecret'],
    [auth?.clientCertificate, 'graph.msal.auth.clientCertificate'],
    [auth?.clientAssertion, 'graph.msal.auth.clientAssertion'],
  ];
  return set.filter(([value]) => !!value).map(([, name]) => name);
}

/** True when the credential comes from graph.msal, so the module must not add its own. */
export function credentialFromMsalOptions(graph: GraphTokenOptions): boolean {
  const auth = graph.msal?.auth;
  return !!(auth?.clientSecret || auth?.clientCertificate || auth?.clientAssertion);
}

/** Every credential text that must never reach a log line or an error. */
export function credentialSecrets(graph: GraphTokenOptions): (string | undefined)[] {
  const auth = graph.msal?.auth;
  return [
    graph.clientSecret,
    auth?.clientSecret,
    typeof auth?.clientAssertion === 'string' ? auth.clientAssertion : undefined,
    auth?.clientCertificate?.privateKey,
  ];
}
