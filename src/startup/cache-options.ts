import type { IdeaGraphCacheModuleOptions, IdeaGraphCacheOptions } from '../config/cache-options';
import { type EnvSource, parseCacheEnvWith, resolveCacheOptionsWith } from '../config/resolve-cache-options';
import { graphSettingProblems } from '../graph/graph-settings.rules';

export type { EnvSource } from '../config/resolve-cache-options';

/**
 * Reads every setting from an environment-like source, checks it, and returns complete
 * options. All problems are collected so one startup error lists them all.
 */
export function parseCacheEnv(read: EnvSource | Record<string, unknown>): IdeaGraphCacheOptions {
  return parseCacheEnvWith(read, graphSettingProblems);
}

/** Fills defaults into static options (forRoot / useFactory) and checks every field. */
export function resolveCacheOptions(partial: IdeaGraphCacheModuleOptions = {}): IdeaGraphCacheOptions {
  return resolveCacheOptionsWith(partial, graphSettingProblems);
}

/**
 * For `ConfigModule.forRoot({ validate: validateCacheEnv })`: fails the host app's config
 * load with the same message the module would give, and returns the env unchanged.
 */
export function validateCacheEnv(env: Record<string, unknown>): Record<string, unknown> {
  parseCacheEnv(env);
  return env;
}
