import { hideUserInfo } from '../common/redact-secrets';
import { CacheConfigError } from './cache-config.error';
import { defaultCacheOptions } from './cache-defaults';
import type { IdeaGraphCacheModuleOptions, IdeaGraphCacheOptions } from './cache-options';
import { CACHE_SETTINGS, describeAllowed, SettingRule, settingAt } from './cache-settings';
import { checkTyped, parseEnvText } from './setting-parsers';
import { keyPrefixProblems } from './key-prefix.rules';
import { applyClusterNatMap, CLUSTER_NAT_MAP_ENV, redisTopologyProblems } from './redis-topology.rules';
import { locmemBoundProblems } from './locmem-bounds';
import { valueFormatProblems } from './value-format.rules';
import { reconcileUrlDb } from './redis-url-db.rules';

/** Where environment-like settings come from: a lookup by variable name. */
export type EnvSource = (name: string) => unknown;

/**
 * The Graph settings' checks, passed in by the caller: they build an MSAL client, which
 * belongs to the Graph edge, not to config (startup/cache-options.ts supplies them).
 */
export type GraphSettingCheck = (graph: IdeaGraphCacheOptions['graph']) => string[];

/**
 * Reads every setting from an environment-like source, checks it, and returns complete
 * options. All problems are collected so one startup error lists them all.
 */
export function parseCacheEnvWith(
  read: EnvSource | Record<string, unknown>,
  graphSettingProblems: GraphSettingCheck,
): IdeaGraphCacheOptions {
  const get: EnvSource = typeof read === 'function' ? read : (name) => read[name];
  const options = defaultCacheOptions();
  const problems: string[] = [];
  for (const rule of CACHE_SETTINGS) {
    const setting = readEnvSetting(rule, get(rule.env));
    if (setting && 'problem' in setting) problems.push(setting.problem);
    else if (setting) setPath(options, rule.path, setting.value);
  }
  problems.push(...applyClusterNatMap(options, get(CLUSTER_NAT_MAP_ENV), 'env'));
  problems.push(...reconcileUrlDb(options, readEnvSetting(settingAt('redis.db'), get('REDIS_DB')) !== undefined));
  problems.push(...redisTopologyProblems(options), ...keyPrefixProblems(options), ...locmemBoundProblems(options));
  problems.push(...graphSettingProblems(options.graph), ...valueFormatProblems(options));
  if (problems.length > 0) throw new CacheConfigError(problems);
  return options;
}

/** Fills defaults into static options (forRoot / useFactory) and checks every field. */
export function resolveCacheOptionsWith(
  partial: IdeaGraphCacheModuleOptions,
  graphSettingProblems: GraphSettingCheck,
): IdeaGraphCacheOptions {
  const options = defaultCacheOptions();
  const problems: string[] = [];
  for (const rule of CACHE_SETTINGS) {
    const setting = readOptionSetting(rule, getPath(partial, rule.path));
    if (setting && 'problem' in setting) problems.push(setting.problem);
    else if (setting) setPath(options, rule.path, setting.value);
  }
  problems.push(...applyClusterNatMap(options, partial.redis?.clusterNatMap, 'option'));
  problems.push(...reconcileUrlDb(options, partial.redis?.db !== undefined));
  problems.push(...redisTopologyProblems(options), ...keyPrefixProblems(options), ...locmemBoundProblems(options));
  // Before the Graph checks: the credential and msal-node's own checks see graph.msal.
  options.graph.msal = partial.graph?.msal;
  problems.push(...graphSettingProblems(options.graph), ...valueFormatProblems(options));
  if (problems.length > 0) throw new CacheConfigError(problems);
  return options;
}

/** One setting as read: undefined when it is not set, else its typed value or the problem to report. */
export type SettingRead = { value: unknown } | { problem: string } | undefined;

/** Reads one setting from an environment value (text, or already typed as ConfigService may give it). */
export function readEnvSetting(rule: SettingRule, raw: unknown): SettingRead {
  if (raw === undefined || raw === null) return undefined;
  const text = typeof raw === 'string' ? raw : String(raw);
  if (text === '' && rule.emptyIsUnset) return undefined;
  const outcome = typeof raw === 'string' ? parseEnvText(rule.kind, text) : checkTyped(rule.kind, raw);
  if (outcome.ok) return { value: outcome.value };
  return {
    problem: `${rule.env}=${outcome.hideValue ? '<hidden>' : quote(rule, text)} is invalid: ${refusal(rule, outcome)}`,
  };
}

/** Reads one setting from an option given in code. */
export function readOptionSetting(rule: SettingRule, value: unknown): SettingRead {
  if (value === undefined) return undefined;
  const outcome = checkTyped(rule.kind, value);
  if (outcome.ok) return { value: outcome.value };
  const shown = rule.secret || outcome.hideValue ? '<hidden>' : safeJson(value);
  return { problem: `${rule.path} (${rule.env})=${shown} is invalid: ${refusal(rule, outcome)}` };
}

function refusal(rule: SettingRule, outcome: { reason?: string }): string {
  return outcome.reason ?? `expected ${describeAllowed(rule.kind)}`;
}

function quote(rule: SettingRule, text: string): string {
  if (rule.secret) return '<hidden>';
  const shown = hideUserInfo(text);
  return JSON.stringify(shown.length > 80 ? `${shown.slice(0, 80)}...` : shown);
}

function safeJson(value: unknown): string {
  try {
    return hideUserInfo(JSON.stringify(value) ?? String(value));
  } catch {
    return hideUserInfo(String(value));
  }
}

function getPath(source: object, path: string): unknown {
  let node: unknown = source;
  for (const part of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function setPath(target: object, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target as Record<string, unknown>;
  for (const part of parts.slice(0, -1)) node = node[part] as Record<string, unknown>;
  node[parts[parts.length - 1]] = value;
}
