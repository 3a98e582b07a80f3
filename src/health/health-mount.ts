import { CacheConfigError } from '../config/cache-config.error';
import { defaultCacheOptions } from '../config/cache-defaults';
import type { CacheHealthOptions, IdeaGraphCacheModuleOptions, IdeaGraphCacheOptions } from '../config/cache-options';
import { settingAt, type SettingRule } from '../config/cache-settings';
import { type EnvSource, readEnvSetting, readOptionSetting } from '../config/resolve-cache-options';
import { resolveCacheOptions } from '../startup/cache-options';

/**
 * Whether and where GET /health/cache is served, decided when the module is defined (the
 * endpoint began as a controller, which Nest fixes then, and apps rely on that order):
 * from the `health` option in code, then process.env; startup refuses a later ConfigService
 * value that disagrees.
 */
export interface HealthMount {
  enabled: boolean;
  path: string;
  /** The `health` option given to forRoot / forRootAsync; wins over the environment and a useFactory result. */
  code: Partial<CacheHealthOptions> | undefined;
  /** Bad values seen here, reported at startup with every other bad setting. */
  problems: string[];
}

const MOUNT_FIELDS = ['enabled', 'path'] as const;

/**
 * Reads the mount leniently: a bad value mounts nothing and becomes a problem, which the
 * CacheConfigError at startup reports (throwing here would escape Nest's startup).
 */
export function healthMountAt(code: Partial<CacheHealthOptions> | undefined, env?: EnvSource): HealthMount {
  const mount: HealthMount = { ...defaultCacheOptions().health, code, problems: [] };
  for (const field of MOUNT_FIELDS) {
    const rule = settingAt(`health.${field}`);
    const setting =
      code?.[field] !== undefined ? readOptionSetting(rule, code[field]) : env && readEnvSetting(rule, env(rule.env));
    if (setting && 'problem' in setting) mount.problems.push(setting.problem);
    else if (setting) Object.assign(mount, { [field]: setting.value });
  }
  if (mount.problems.length > 0) mount.enabled = false;
  return mount;
}

/**
 * The module's options at startup: the `health` code option laid over what forRoot or the
 * factory gave, checked, and refused when the mapped route disagrees with them.
 */
export function resolveMountedOptions(partial: IdeaGraphCacheModuleOptions, mount: HealthMount): IdeaGraphCacheOptions {
  const merged = mount.code ? { ...partial, health: { ...partial.health, ...definedFields(mount.code) } } : partial;
  const problems = [...mount.problems];
  let options: IdeaGraphCacheOptions | undefined;
  try {
    options = resolveCacheOptions(merged);
  } catch (error) {
    if (!(error instanceof CacheConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (options && problems.length === 0) problems.push(...mismatches(mount, options.health));
  // A bad code option is seen both here and by resolveCacheOptions; report it once.
  if (problems.length > 0) throw new CacheConfigError([...new Set(problems)]);
  return options as IdeaGraphCacheOptions;
}

function mismatches(mount: HealthMount, resolved: CacheHealthOptions): string[] {
  const differs = (field: (typeof MOUNT_FIELDS)[number]) =>
    mount[field] !== resolved[field] && (field === 'enabled' || (mount.enabled && resolved.enabled));
  return MOUNT_FIELDS.filter(differs).map((field) =>
    mismatchProblem(settingAt(`health.${field}`), field, mount[field], resolved[field]),
  );
}

function mismatchProblem(rule: SettingRule, field: string, mounted: unknown, resolved: unknown): string {
  return (
    `${rule.path} (${rule.env}) is ${JSON.stringify(resolved)} in the options resolved at startup, but was ` +
    `${JSON.stringify(mounted)} when forRootAsync() was called, which is when the route is fixed: set ${rule.env} ` +
    `in process.env by then (ConfigModule.forRoot() loads .env into it; call it first), or pass ` +
    `health: { ${field} } to forRootAsync instead of returning it from a factory or a ConfigService load()`
  );
}

function definedFields<T extends object>(source: T): Partial<T> {
  return Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined)) as Partial<T>;
}
