const EXPECTED = 'expected https://<host>, such as https://login.microsoftonline.com';

// Read from the raw text: WHATWG URL would take "https:host" or "https:///host" as
// https://host/, which msal-node's own parser refuses (urlParseError).
const SCHEME_AND_HOST = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/;

/**
 * What is wrong with an authority host (GRAPH_AUTHORITY_HOST), or undefined when msal-node
 * takes it. msal-node checks the authority only at the first token request, so without
 * this an unusable value started fine and then failed every request.
 */
export function authorityUrlProblem(text: string): string | undefined {
  const match = SCHEME_AND_HOST.exec(text);
  if (!match || match[2] === '' || !parses(text)) return `it is not an absolute URL; ${EXPECTED}`;
  if (match[1].toLowerCase() !== 'https') {
    // A local fake token endpoint is the usual reason for http here, and metadata is its fix.
    return (
      'https is required: msal-node refuses an authority that is not https (authority_uri_insecure). For a local or test ' +
      'token endpoint on plain http, keep GRAPH_AUTHORITY_HOST an https URL (it is never contacted) and set ' +
      'GRAPH_AUTHORITY_METADATA to an OpenID configuration whose token_endpoint is the http://127.0.0.1:<port>/... URL ' +
      `(docs/graph-tokens.md, "A private or test authority"); ${EXPECTED}`
    );
  }
  // The module appends "/<tenant>": after a query or fragment it would not be part of the path.
  if (/[@?#]/.test(text))
    return `it must not have a user name, query or fragment (the tenant id is appended to it); ${EXPECTED}`;
  return undefined;
}

function parses(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}
