import { readFileSync } from 'node:fs';

/** Why GRAPH_AUTHORITY_METADATA is unusable; the message names the setting. */
export class AuthorityMetadataError extends Error {
  override readonly name = 'AuthorityMetadataError';
}

const SETTING = 'GRAPH_AUTHORITY_METADATA (graph.authorityMetadata)';
const HINT =
  "It takes the authority's OpenID configuration JSON (with token_endpoint and authorization_endpoint), inline or as the path of a file";
// msal-node needs both even for client credentials: it reads the tenant from the
// authorization endpoint's path to place it in the token endpoint (measured with 7.2.3).
const REQUIRED = ['token_endpoint', 'authorization_endpoint'] as const;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * The JSON text for msal-node's `auth.authorityMetadata`, from GRAPH_AUTHORITY_METADATA:
 * the JSON itself (a value that starts with `{`) or the path of a file holding it. msal-node
 * checks only that it parses, and then fails at the first token request without the
 * endpoints it needs; this checks them, so the failure comes at startup.
 */
export function readAuthorityMetadata(setting: string): string {
  const inline = setting.trimStart().startsWith('{');
  const subject = inline ? SETTING : `${SETTING}=${JSON.stringify(setting)}`;
  const fail = (reason: string) => new AuthorityMetadataError(`${subject}: ${reason}. ${HINT}`);
  const text = inline ? setting : readText(setting.trim(), fail);
  let metadata: unknown;
  try {
    metadata = JSON.parse(text);
  } catch {
    throw fail('it is not JSON');
  }
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw fail('it is not a JSON object');
  const fields = metadata as Record<string, unknown>;
  const absent = REQUIRED.filter((name) => fields[name] === undefined);
  if (absent.length > 0) throw fail(`it has no ${absent.join(' and no ')}`);
  for (const name of REQUIRED) {
    if (!httpUrl(fields[name])) throw fail(`its ${name} is not an absolute http or https URL`);
  }
  const tokenEndpoint = new URL(fields.token_endpoint as string);
  // The client secret or assertion travels in that request's body.
  if (tokenEndpoint.protocol === 'http:' && !LOOPBACK_HOSTS.has(tokenEndpoint.hostname)) {
    throw fail(
      'its token_endpoint is http:// on a host that is not loopback, so the client credential would travel in clear text: https is required (http is taken on 127.0.0.1, ::1 and localhost only, for a test endpoint)',
    );
  }
  return text;
}

function readText(path: string, fail: (reason: string) => Error): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw fail(`the file cannot be read${typeof code === 'string' ? ` (${code})` : ''}`);
  }
}

function httpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol) && /^https?:\/\/[^/?#]/i.test(value);
  } catch {
    return false;
  }
}
