const FORM = 'redis[s]://[user:password@]host[:port][/db]';

// In the user info these end the authority early ('/') or start the query or fragment, so
// WHATWG URL reads a different host, port or path. '+', '=', ':' and '@' it reads correctly.
const DELIMITERS = ['/', '?', '#'];

/**
 * What is wrong with a REDIS_URL, or undefined when it is usable. The reason never quotes
 * the URL: only fixed text and the names of the characters that need encoding.
 */
export function redisUrlProblem(text: string): string | undefined {
  // Like WHATWG URL, which the connection uses, ignore surrounding spaces.
  const reason = rawProblem(text.trim()) ?? parsedProblem(text);
  return reason && `${reason}; expected ${FORM}`;
}

// Reads the raw text, because an unencoded '/' in a password moves the rest of the URL into
// the path and WHATWG URL would then blame the port or the path instead.
function rawProblem(text: string): string | undefined {
  const scheme = /^rediss?:\/\//i.exec(text);
  if (!scheme) return 'it must start with redis:// or rediss://';
  const rest = text.slice(scheme[0].length);
  // Host, port and db never hold '@', so the last one ends the user info.
  const at = rest.lastIndexOf('@');
  const userInfo = at < 0 ? undefined : userInfoProblem(rest.slice(0, at));
  if (userInfo) return userInfo;
  // Both patterns match any text; `?? []` only satisfies the type of exec.
  const [, hostPort = '', path = ''] = /^([^/?#]*)([^?#]*)/.exec(rest.slice(at + 1)) ?? [];
  const [, host = '', port = ''] = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(hostPort) ?? [];
  if (host === '') return 'the host is missing';
  if (port && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535)) {
    return 'the port must be a number from 1 to 65535';
  }
  if (!/^(\/\d*)?$/.test(path)) return 'the path must be a database number, as in /0';
  return undefined;
}

// What the raw reading lets through but the connection's parser refuses, such as a space in the host.
function parsedProblem(text: string): string | undefined {
  try {
    new URL(text);
    return undefined;
  } catch {
    return 'it is not a valid URL';
  }
}

function userInfoProblem(userInfo: string): string | undefined {
  const colon = userInfo.indexOf(':');
  const user = colon < 0 ? userInfo : userInfo.slice(0, colon);
  const password = colon < 0 ? '' : userInfo.slice(colon + 1);
  const problems = [partProblem('user name', user), partProblem('password', password)].filter(Boolean);
  return problems.length > 0 ? problems.join('; ') : undefined;
}

function partProblem(label: string, part: string): string | undefined {
  const found = DELIMITERS.filter((char) => part.includes(char));
  // The connection decodes with decodeURIComponent, which throws on a '%' that starts no %XX.
  if (!decodes(part)) found.push('%');
  if (found.length === 0) return undefined;
  return `the ${label} contains ${found.map((char) => `'${char}'`).join(', ')} which must be percent-encoded (encodeURIComponent)`;
}

function decodes(part: string): boolean {
  try {
    decodeURIComponent(part);
    return true;
  } catch {
    return false;
  }
}
