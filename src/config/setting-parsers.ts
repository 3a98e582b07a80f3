import { SettingKind } from './cache-settings';
import { authorityUrlProblem } from './authority-url.rules';
import { redisUrlProblem } from './redis-url.rules';

/**
 * Outcome of reading one setting: a typed value, or a refusal. A refusal's `reason` says
 * more than the rule's general description; it never repeats the value. `hideValue`: the
 * value looks like it holds a secret, so the error does not show it at all.
 */
export type ParseOutcome = { ok: true; value: unknown } | { ok: false; reason?: string; hideValue?: boolean };

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^\d*\.?\d+$/;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{42,44}={0,2}$/;
// [true word, false word] pairs: the error lists them from this one array, so it cannot drift from the parser.
const BOOLEAN_WORDS: readonly (readonly [string, string])[] = [
  ['true', 'false'],
  ['1', '0'],
  ['yes', 'no'],
  ['on', 'off'],
];
const BOOLEAN_REASON = `expected a boolean: ${BOOLEAN_WORDS.flat().join(', ')} (any case)`;

/** Converts the text of an environment variable into the typed value its rule describes. */
export function parseEnvText(kind: SettingKind, text: string): ParseOutcome {
  const trimmed = text.trim();
  switch (kind.type) {
    case 'enum':
      return checkTyped(kind, trimmed);
    case 'int':
      return INTEGER.test(trimmed) ? checkTyped(kind, Number(trimmed)) : { ok: false };
    case 'fraction':
      return DECIMAL.test(trimmed) ? checkTyped(kind, Number(trimmed)) : { ok: false };
    case 'string':
      return checkTyped(kind, text);
    case 'bool': {
      const lower = trimmed.toLowerCase();
      const pair = BOOLEAN_WORDS.find((words) => words.includes(lower));
      return pair ? { ok: true, value: pair[0] === lower } : { ok: false, reason: BOOLEAN_REASON };
    }
    case 'list':
      return checkTyped(kind, trimmed.split(/[\s,]+/).filter(Boolean));
    case 'aesKey':
      return checkTyped(kind, decodeAesKey(trimmed));
    case 'hostList':
      return checkTyped(kind, parseHostList(trimmed));
    case 'redisUrl':
      return checkTyped(kind, trimmed);
    case 'authorityUrl':
      return checkTyped(kind, trimmed);
    case 'routePath':
      return checkTyped(kind, trimmed);
    case 'host':
      return checkTyped(kind, trimmed);
  }
}

/** Checks a value that is already typed (static options, or parsed environment text). */
export function checkTyped(kind: SettingKind, value: unknown): ParseOutcome {
  switch (kind.type) {
    case 'enum': {
      // IdeaGraph's Django settings lower-case CACHE_BACKEND, so `Redis` has always worked there.
      const match =
        typeof value === 'string'
          ? kind.values.find((allowed) => allowed.toLowerCase() === value.toLowerCase())
          : undefined;
      return match === undefined ? { ok: false } : { ok: true, value: match };
    }
    case 'int': {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return { ok: false };
      if (kind.min !== undefined && value < kind.min) return { ok: false };
      if (kind.max !== undefined && value > kind.max) return { ok: false };
      return { ok: true, value };
    }
    case 'fraction':
      return typeof value === 'number' && value >= 0 && value < 1 ? { ok: true, value } : { ok: false };
    case 'string':
      if (typeof value !== 'string') return { ok: false };
      if (kind.nonEmpty && value.trim() === '') return { ok: false };
      return { ok: true, value };
    case 'bool':
      return typeof value === 'boolean' ? { ok: true, value } : { ok: false };
    case 'list':
      return Array.isArray(value) && value.length > 0 && value.every((s) => typeof s === 'string' && s !== '')
        ? { ok: true, value }
        : { ok: false };
    case 'aesKey':
      return Buffer.isBuffer(value) && value.length === 32 ? { ok: true, value } : { ok: false };
    case 'hostList':
      return Array.isArray(value) && value.length > 0 && value.every(isNodeAddress)
        ? { ok: true, value }
        : { ok: false };
    case 'redisUrl': {
      if (typeof value !== 'string') return { ok: false };
      const reason = redisUrlProblem(value);
      return reason ? { ok: false, reason } : { ok: true, value };
    }
    case 'authorityUrl': {
      if (typeof value !== 'string') return { ok: false };
      const reason = authorityUrlProblem(value.trim());
      return reason ? { ok: false, reason } : { ok: true, value: value.trim() };
    }
    case 'routePath':
      return routePath(value);
    case 'host':
      return hostName(value);
  }
}

const URL_HOST_REASON =
  'expected a host name or IP address, not a URL or user:password@host (the value is not shown: it may hold a password); put a redis:// or rediss:// URL in REDIS_URL instead';

/**
 * A host name or IP address (an IPv6 address may be in brackets, with a zone). A URL
 * (`redis://:password@host`) was taken for a host name: every connection failed, and the
 * logs printed the password in "Redis at ..." and getaddrinfo ENOTFOUND lines.
 */
function hostName(value: unknown): ParseOutcome {
  if (typeof value !== 'string' || value.trim() === '') return { ok: false };
  const host = value.trim();
  if (/[@/]/.test(host) || host.includes('://')) return { ok: false, reason: URL_HOST_REASON, hideValue: true };
  return /^(?:[A-Za-z0-9._-]+|\[?[0-9A-Fa-f:.]+(?:%[\w.-]+)?\]?)$/.test(host)
    ? { ok: true, value: host }
    : { ok: false };
}

/**
 * Unreserved URL characters only: `:`, `*`, `?` and `(` mean parameters or wildcards to
 * Nest's router, so a path with them would take over routes of the app (the health and
 * the metrics endpoint both use this rule).
 */
const ROUTE_SEGMENT = /^[A-Za-z0-9._~-]+$/;

function routePath(value: unknown): ParseOutcome {
  if (typeof value !== 'string') return { ok: false };
  const path = value.trim().replace(/^\/+|\/+$/g, '');
  const segments = path.split('/');
  const valid =
    path !== '' && segments.every((segment) => ROUTE_SEGMENT.test(segment) && segment !== '.' && segment !== '..');
  return valid ? { ok: true, value: path } : { ok: false };
}

function decodeAesKey(text: string): Buffer | undefined {
  if (HEX_KEY.test(text)) return Buffer.from(text, 'hex');
  if (BASE64_KEY.test(text))
    return Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  return undefined;
}

function parseHostList(text: string): { host: string; port: number }[] | undefined {
  const nodes = text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
  const parsed = nodes.map((node) => {
    const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(node);
    return match ? { host: match[1].replace(/^\[|\]$/g, ''), port: Number(match[2]) } : undefined;
  });
  return parsed.every((node) => node !== undefined) ? parsed : undefined;
}

function isNodeAddress(value: unknown): boolean {
  const node = value as { host?: unknown; port?: unknown } | null;
  return (
    typeof node?.host === 'string' &&
    node.host !== '' &&
    typeof node.port === 'number' &&
    Number.isInteger(node.port) &&
    node.port >= 1 &&
    node.port <= 65535
  );
}
