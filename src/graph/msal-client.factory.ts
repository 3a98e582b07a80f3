import {
  ConfidentialClientApplication,
  type Configuration,
  type INetworkModule,
  LogLevel,
  type NodeAuthOptions,
} from '@azure/msal-node';
import type { GraphTokenOptions } from '../config/cache-options';
import { AuthorityMetadataError, readAuthorityMetadata } from './authority-metadata';
import { CertificateFileError, readCertificateFile } from './certificate-file';
import { credentialFromMsalOptions } from './client-credential';

/**
 * msal-node warns this after every client-credentials token: client info describes a signed-in
 * user, and an app token has none. As a warning on every fetch it only hid the real ones.
 */
const NO_CLIENT_INFO = / - No client info in response$/;

export interface MsalLogger {
  warn(message: string): void;
  error(message: string): void;
}

/**
 * msal-node's client for the configured app registration. `graph.msal` is deep-merged over
 * the base configuration, so a user can add a proxy, a logger, authorityMetadata or the
 * credential itself (clientCertificate, clientAssertion). Throws what msal-node's
 * constructor throws, or CertificateFileError.
 */
export function createMsalClient(
  graph: GraphTokenOptions,
  logger: MsalLogger,
  redact: (text: string) => string,
  networkClient: INetworkModule,
): ConfidentialClientApplication {
  const base: Configuration = {
    auth: {
      clientId: graph.clientId ?? '',
      authority: `${graph.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(graph.tenantId ?? '')}`,
      ...baseCredential(graph),
      ...pinnedAuthority(graph),
    },
    system: {
      networkClient,
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (level, message) => {
          if (level === LogLevel.Error) logger.error(`msal: ${redact(message)}`);
          else if (level === LogLevel.Warning && !NO_CLIENT_INFO.test(message)) logger.warn(`msal: ${redact(message)}`);
        },
      },
    },
  };
  return new ConfidentialClientApplication(deepMerge(base, graph.msal ?? {}) as Configuration);
}

/** Why a client could not be built, for a startup problem or an INVALID_CONFIGURATION error. */
export function describeClientBuildError(error: unknown, redact: (text: string) => string): string {
  if (error instanceof CertificateFileError) return `GRAPH_CLIENT_CERTIFICATE_FILE ${error.message}`;
  if (error instanceof AuthorityMetadataError) return error.message;
  const e = (typeof error === 'object' && error !== null ? error : {}) as {
    errorCode?: string;
    errorMessage?: string;
    message?: string;
  };
  const text = e.errorCode
    ? `${e.errorCode}${e.errorMessage ? `: ${e.errorMessage}` : ''}`
    : (e.message ?? String(error));
  return `msal-node refuses the configuration (graph.msal and the GRAPH_* credentials): ${redact(text)}`;
}

/** Exactly one credential: msal-node refuses a client with two (invalid_client_credential). */
function baseCredential(graph: GraphTokenOptions): Partial<NodeAuthOptions> {
  if (credentialFromMsalOptions(graph)) return {};
  if (graph.clientCertificateFile) return { clientCertificate: readCertificateFile(graph.clientCertificateFile) };
  return { clientSecret: graph.clientSecret };
}

/**
 * With its endpoints given, the authority needs no discovery; but msal-node still asks
 * Microsoft's instance discovery to vouch for a host it does not know, unless the host is
 * one of its knownAuthorities. Whoever sets the metadata already chose where the token
 * request goes, so the authority host is trusted as given.
 */
function pinnedAuthority(graph: GraphTokenOptions): Partial<NodeAuthOptions> {
  if (!graph.authorityMetadata) return {};
  return { authorityMetadata: readAuthorityMetadata(graph.authorityMetadata), knownAuthorities: [graph.authorityHost] };
}

/** Plain objects are merged key by key; anything else (arrays, functions, class instances) replaces. */
export function deepMerge(base: object, override: object): object {
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function isPlainObject(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
