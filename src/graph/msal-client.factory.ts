import { ConfidentialClientApplication, type Configuration, LogLevel } from '@azure/msal-node';
import type { Logger } from '@nestjs/common';
import type { GraphTokenOptions } from '../config/cache-options';

export interface GraphCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

/**
 * msal-node's client for the configured app registration. `graph.msal` is deep-merged over
 * the base configuration, so a user can add a proxy, a logger or authorityMetadata.
 */
export function createMsalClient(
  graph: GraphTokenOptions,
  credentials: GraphCredentials,
  logger: Logger,
  redact: (text: string) => string,
): ConfidentialClientApplication {
  const base: Configuration = {
    auth: {
      clientId: credentials.clientId,
      clientSecret: credentials.clientSecret,
      authority: `${graph.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(credentials.tenantId)}`,
    },
    system: {
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (level, message) => {
          if (level === LogLevel.Error) logger.error(`msal: ${redact(message)}`);
          else if (level === LogLevel.Warning) logger.warn(`msal: ${redact(message)}`);
        },
      },
    },
  };
  return new ConfidentialClientApplication(deepMerge(base, graph.msal ?? {}) as Configuration);
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
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
