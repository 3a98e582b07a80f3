import { CacheConfigError } from '../config/cache-config.error';
import type { IdeaGraphCacheOptions } from '../config/cache-options';
import { type EnvSource, parseCacheEnv } from './cache-options';

/** Settings a named cache takes from the default's environment only when it has no CACHE_<NAME>_* value. */
const URL_WINS_OVER = ['REDIS_HOST', 'REDIS_PORT'] as const;

/**
 * The variable that overrides `variable` for the named cache `name`: `CACHE_<NAME>_` and the
 * variable without its `CACHE_` (CACHE_DEFAULT_TIMEOUT -> CACHE_REPORTS_DEFAULT_TIMEOUT,
 * REDIS_DB -> CACHE_REPORTS_REDIS_DB); `-` in the name becomes `_`.
 */
export function namedCacheVariable(name: string, variable: string): string {
  const stem = variable.startsWith('CACHE_') ? variable.slice('CACHE_'.length) : variable;
  return `CACHE_${name.toUpperCase().replace(/-/g, '_')}_${stem}`;
}

/**
 * A named cache's options from the environment: every setting of the default cache (REDIS_URL
 * with its password, TLS, timeouts, CACHE_OTEL_ENABLED ...), each overridden by its
 * CACHE_<NAME>_* variable when that is set. Two exceptions: the key prefix is the cache's name
 * unless CACHE_<NAME>_KEY_PREFIX says otherwise (on one Redis database, the same prefix would
 * make the two caches share keys and each clear() empty both), and GRAPH_* is not read (Graph
 * tokens belong to the default cache). Problems name the variable that was actually read.
 */
export function parseNamedCacheEnv(name: string, read: EnvSource): IdeaGraphCacheOptions {
  const overridden = new Set<string>();
  const get: EnvSource = (variable) => {
    if (variable.startsWith('GRAPH_')) return undefined;
    const own = read(namedCacheVariable(name, variable));
    if (isSet(own)) {
      overridden.add(variable);
      return own;
    }
    return variable === 'CACHE_KEY_PREFIX' ? name : read(variable);
  };
  const problems: string[] = [];
  let options: IdeaGraphCacheOptions | undefined;
  try {
    options = parseCacheEnv(get);
  } catch (error) {
    if (!(error instanceof CacheConfigError)) throw error;
    problems.push(...error.problems);
  }
  problems.push(...inheritedUrlProblems(name, get('REDIS_URL'), overridden));
  if (problems.length > 0)
    throw new CacheConfigError(problems.map((problem) => renameOverridden(problem, name, overridden)));
  return options as IdeaGraphCacheOptions;
}

/** An override the inherited REDIS_URL would silently beat. */
function inheritedUrlProblems(name: string, url: unknown, overridden: Set<string>): string[] {
  if (overridden.has('REDIS_URL') || !isSet(url)) return [];
  const beaten: string[] = [...URL_WINS_OVER];
  try {
    const parsed = new URL(String(url).trim());
    if (parsed.password) beaten.push('REDIS_PASSWORD');
    if (parsed.username) beaten.push('REDIS_USERNAME');
  } catch {
    // parseCacheEnv has reported the URL.
  }
  return beaten
    .filter((variable) => overridden.has(variable))
    .map(
      (variable) =>
        `${namedCacheVariable(name, variable)} is set, but REDIS_URL, which the cache "${name}" takes from the default cache, wins over it: ` +
        `set ${namedCacheVariable(name, 'REDIS_URL')} instead`,
    );
}

function renameOverridden(problem: string, name: string, overridden: Set<string>): string {
  if (overridden.size === 0) return problem;
  const pattern = new RegExp(`\\b(${[...overridden].join('|')})\\b`, 'g');
  return problem.replace(pattern, (variable) => namedCacheVariable(name, variable));
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}
