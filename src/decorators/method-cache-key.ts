import { assertKeyText, MAX_KEY_LENGTH, TAG_KEY_PREFIX } from '../keys/cache-key';
import { CacheKeyError } from '../errors/cache.errors';
import { claimDefaultKeyName, defaultMethodKey } from './default-key';
import { describe } from './key-text';
import { compileTemplate, KEY_TARGET, type TemplateTarget } from './template-key';

/** A key, or tags: a fixed list, a template such as `user:{0}` or `user:{0.id}`, or a function of the arguments. */
export type KeySource<A extends unknown[]> = string | ((...args: A) => string);
export type KeysSource<A extends unknown[]> = readonly string[] | ((...args: A) => readonly string[]);

/** Tags are stored under `~tag:<tag>`, so a tag has that much less room than a key. */
export const TAG_TARGET: TemplateTarget = {
  maxLength: MAX_KEY_LENGTH - TAG_KEY_PREFIX.length,
  check: (tag) => assertKeyText(TAG_KEY_PREFIX + tag),
};

/** How a decorator makes its list of keys (or tags) from the arguments, prepared once at decoration. */
export function compileKeys<A extends unknown[]>(
  source: KeysSource<A> | undefined,
  where: string,
  target: TemplateTarget = KEY_TARGET,
): (args: A) => string[] {
  if (source === undefined) return () => [];
  if (typeof source !== 'function') {
    if (!Array.isArray(source)) throw new CacheKeyError(`${where}: expected an array of keys, got ${describe(source)}`);
    const templates = source.map((key: unknown) => {
      if (typeof key !== 'string')
        throw new CacheKeyError(`${where}: every key must be a string, got ${describe(key)}`);
      return compileTemplate(key, where, target);
    });
    return (args) => templates.map((fill) => fill(args));
  }
  return (args) => {
    const keys = source(...args);
    if (!Array.isArray(keys)) throw new CacheKeyError(`${where}: expected an array of keys, got ${describe(keys)}`);
    for (const key of keys as unknown[])
      if (typeof key !== 'string')
        throw new CacheKeyError(`${where}: every key must be a string, got ${describe(key)}`);
    return [...(keys as string[])];
  };
}

/**
 * How a decorated method makes its key from its arguments, prepared once at decoration
 * (`holder`: the prototype or class the method is declared on). Without a key source the
 * default key claims its `Class.method` name here, so a second class of the same name is
 * refused now rather than sharing entries later.
 */
export function compileKey<A extends unknown[]>(
  source: KeySource<A> | undefined,
  holder: object,
  className: string,
  propertyKey: string | symbol,
): (args: A) => string {
  const where = `@Cacheable on ${className}.${String(propertyKey)}`;
  if (source === undefined) {
    const name = claimDefaultKeyName(holder, className, propertyKey);
    return (args) => defaultMethodKey(name, args);
  }
  if (typeof source === 'string') return compileTemplate(source, where);
  return (args) => {
    const key = source(...args);
    if (typeof key !== 'string')
      throw new CacheKeyError(`${where}: the key function returned ${describe(key)}, not a string`);
    return key;
  };
}
