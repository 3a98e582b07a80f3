import { createHash } from 'node:crypto';
import { assertValidKey, MAX_KEY_LENGTH } from '../keys/cache-key';
import { CacheKeyError } from '../errors/cache.errors';
import { stableText } from './key-text';

/**
 * Which method owns each default-key name (`Class.method`) in this process. The default
 * key names a class by its `name` only, and two distinct classes can share a name (made by
 * a class factory, or minified into the same short name): they would read each other's
 * entries. Numbering them in the order they are made would not help: that order can
 * differ between the processes of a fleet, so one process's tenant A would be another's
 * tenant B. So the second class is refused, when it is decorated.
 */
const OWNERS = new Map<string, { holder: object; propertyKey: string | symbol }>();

/**
 * Claims `Class.method` for the default key of a method, at decoration. Throws a
 * CacheKeyError if another class (or another method of that name, such as a static one)
 * already has it, or if the name cannot be part of a key.
 */
export function claimDefaultKeyName(holder: object, className: string, propertyKey: string | symbol): string {
  const name = `${className}.${String(propertyKey)}`;
  try {
    assertValidKey(`${name}()`);
  } catch (error) {
    throw new CacheKeyError(
      `@Cacheable on ${JSON.stringify(name)}: the class and method name cannot start a cache key (${(error as Error).message}); give the decorator a key`,
    );
  }
  const owner = OWNERS.get(name);
  if (owner && (owner.holder !== holder || owner.propertyKey !== propertyKey)) {
    throw new CacheKeyError(
      `@Cacheable on ${name}: another class named ${JSON.stringify(className)} already caches ${String(propertyKey)} under the default key, ` +
        'so the two would share entries. Give this decorator a key that tells them apart (a template such as "tenant-b:settings:{0}", ' +
        'or a function of the arguments), or give the classes distinct names',
    );
  }
  OWNERS.set(name, { holder, propertyKey });
  return name;
}

/**
 * The key of a call when the decorator gives none: `Class.method(<arguments>)`, each in
 * its stable text (key-text.ts). Past the key length limit the argument text is hashed.
 */
export function defaultMethodKey(name: string, args: readonly unknown[]): string {
  const text = args.map((arg, i) => stableText(arg, `@Cacheable on ${name}: argument ${i}`)).join(',');
  const key = `${name}(${text})`;
  if (key.length <= MAX_KEY_LENGTH) return key;
  return `${name}#${createHash('sha256').update(text).digest('base64url')}`;
}
