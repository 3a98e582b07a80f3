import type { GraphTokenOptions } from '../config/cache-options';
import { redactSecrets } from '../common/redact-secrets';
import { assertValidKey, MAX_KEY_LENGTH } from '../keys/cache-key';
import { AbortableNetworkClient } from './abortable-network-client';
import { AuthorityMetadataError, readAuthorityMetadata } from './authority-metadata';
import { CertificateFileError, readCertificateFile } from './certificate-file';
import { configuredCredentials, credentialSecrets } from './client-credential';
import { DERIVED_KEY_SUFFIXES, graphCacheKeys } from './graph-cache-keys';
import { createMsalClient, describeClientBuildError } from './msal-client.factory';

const SILENT = { warn: () => undefined, error: () => undefined };

/**
 * Startup checks of the Graph token settings that need more than one field, or the
 * derived cache keys, so a setting that could only fail at the first token request fails
 * at startup instead, with a CacheConfigError that names it.
 */
export function graphSettingProblems(graph: GraphTokenOptions): string[] {
  const problems = [
    ...cacheKeyProblems(graph.cacheKey),
    ...credentialProblems(graph),
    ...authorityMetadataProblems(graph),
  ];
  if (problems.length === 0) problems.push(...clientProblems(graph));
  return problems;
}

function cacheKeyProblems(cacheKey: string): string[] {
  const longestSuffix = Math.max(...DERIVED_KEY_SUFFIXES.map((suffix) => suffix.length));
  const allowed = MAX_KEY_LENGTH - longestSuffix;
  if (cacheKey.length > allowed) {
    return [
      `GRAPH_TOKEN_CACHE_KEY (graph.cacheKey) is ${cacheKey.length} characters long: the token service also uses ${DERIVED_KEY_SUFFIXES.map((s) => `"<key>${s}"`).join(' and ')}, and a cache key has at most ${MAX_KEY_LENGTH} characters (MAX_KEY_LENGTH), so it may have at most ${allowed}`,
    ];
  }
  // The cache's own key rule, so this check cannot drift from it.
  for (const key of Object.values(graphCacheKeys(cacheKey))) {
    try {
      assertValidKey(key);
    } catch (error) {
      return [
        `GRAPH_TOKEN_CACHE_KEY (graph.cacheKey)=${JSON.stringify(cacheKey.slice(0, 80))} is invalid: ${(error as Error).message}`,
      ];
    }
  }
  return [];
}

function credentialProblems(graph: GraphTokenOptions): string[] {
  const credentials = configuredCredentials(graph);
  if (credentials.length > 1) {
    return [
      `${credentials.join(' and ')} are all set: a Microsoft Graph app authenticates with exactly one client credential; keep one of them`,
    ];
  }
  // The file is read only when a token can be requested; without a tenant and client id it is never used.
  if (graph.clientCertificateFile && graph.tenantId && graph.clientId) {
    try {
      readCertificateFile(graph.clientCertificateFile);
    } catch (error) {
      if (!(error instanceof CertificateFileError)) throw error;
      return [
        `GRAPH_CLIENT_CERTIFICATE_FILE (graph.clientCertificateFile)=${JSON.stringify(graph.clientCertificateFile)} ${error.message}`,
      ];
    }
  }
  return [];
}

// Unlike the certificate file, checked even without a tenant and client id: it is public
// metadata, never a secret provisioned only where tokens are requested, so a broken value
// is a mistake wherever it is set.
function authorityMetadataProblems(graph: GraphTokenOptions): string[] {
  if (!graph.authorityMetadata) return [];
  try {
    readAuthorityMetadata(graph.authorityMetadata);
    return [];
  } catch (error) {
    if (!(error instanceof AuthorityMetadataError)) throw error;
    return [error.message];
  }
}

/**
 * msal-node checks its configuration in its constructor (instanceAware, a certificate
 * without a thumbprint ...). Building one here, which sends nothing, turns such a
 * refusal into a startup problem instead of an error at the first token request.
 */
function clientProblems(graph: GraphTokenOptions): string[] {
  if (!graph.tenantId || !graph.clientId || configuredCredentials(graph).length === 0) return [];
  const redact = (text: string) => redactSecrets(text, credentialSecrets(graph));
  try {
    createMsalClient(graph, SILENT, redact, new AbortableNetworkClient(graph.requestTimeoutMs));
    return [];
  } catch (error) {
    return [describeClientBuildError(error, redact)];
  }
}
