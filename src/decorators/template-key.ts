import { createHash } from 'node:crypto';
import { assertValidKey, MAX_KEY_LENGTH } from '../keys/cache-key';
import { CacheKeyError } from '../errors/cache.errors';
import { describe, scalarText, UNQUOTED_VALUE_CHARACTER } from './key-text';

const PLACEHOLDER = /\{(\d+)((?:\.[A-Za-z_$][\w$]*)*)\}/g;

/** Room a hashed key needs after the template's leading text: `#` and a base64url SHA-256. */
const HASH_SUFFIX_LENGTH = 1 + 43;

/**
 * Fills `{0}`, `{1.id}` ... from the arguments, each value in its typed text (key-text.ts):
 * with `report:{0}:{1}`, ("acme:hr", "salaries") gives `report:"acme:hr":"salaries"` and
 * ("acme", "hr:salaries") `report:"acme":"hr:salaries"`; `user:{0}` gives `user:1` for 1
 * and `user:"1"` for "1". A placeholder that names no string, number, bigint or boolean
 * is a CacheKeyError at the call. A key longer than `maxLength` keeps the text before the
 * first placeholder and hashes the rest, as default keys do.
 *
 * The template is checked and split once, when the method is decorated (a regex replace
 * per call was a fifth of a hit's CPU): a template that could give two argument lists
 * one key, or no valid key at all, is refused there.
 */
/** What a filled template must be: a cache key (the default), or a tag (its own limit and check). */
export interface TemplateTarget {
  maxLength: number;
  /** Throws CacheKeyError unless the text is valid for what the template makes. */
  check(text: string): void;
}

export const KEY_TARGET: TemplateTarget = { maxLength: MAX_KEY_LENGTH, check: assertValidKey };

export function compileTemplate(
  template: string,
  where: string,
  target: TemplateTarget = KEY_TARGET,
): (args: readonly unknown[]) => string {
  const { maxLength } = target;
  const literals: string[] = [];
  const holes: { index: number; path: string[]; text: string }[] = [];
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    literals.push(template.slice(last, match.index));
    holes.push({ index: Number(match[1]), path: match[2].split('.').slice(1), text: match[0] });
    last = match.index + match[0].length;
  }
  literals.push(template.slice(last));
  checkTemplate(template, literals, holes, where, target);
  if (holes.length === 0) return () => template;
  const head = literals[0];
  return (args) => {
    let key = head;
    for (let i = 0; i < holes.length; i++) {
      const hole = holes[i];
      let value: unknown = args[hole.index];
      for (const name of hole.path)
        value = value === null || value === undefined ? undefined : (value as Record<string, unknown>)[name];
      const text = scalarText(value);
      if (text === undefined)
        throw new CacheKeyError(
          `${where}: ${hole.text} in ${JSON.stringify(template)} is ${describe(value)}, not a string, number, bigint or boolean`,
        );
      key += text + literals[i + 1];
    }
    if (key.length <= maxLength) return key;
    return `${head}#${createHash('sha256').update(key).digest('base64url')}`;
  };
}

function checkTemplate(
  template: string,
  literals: readonly string[],
  holes: readonly { text: string }[],
  where: string,
  target: TemplateTarget,
): void {
  const shown = JSON.stringify(template);
  for (let i = 0; i < holes.length; i++) {
    const next = literals[i + 1];
    const last = i === holes.length - 1;
    // After the last placeholder the rest of the template is known, so any text may follow it.
    if (!last && (next === '' || UNQUOTED_VALUE_CHARACTER.test(next[0]))) {
      const follower = next === '' ? holes[i + 1].text : JSON.stringify(next[0]);
      throw new CacheKeyError(
        `${where}: in ${shown}, ${holes[i].text} is followed by ${follower}, so two different argument lists could give one key; separate placeholders with a character such as ':' or '/'`,
      );
    }
  }
  // The literal text alone (every placeholder as a short value) must be valid: a key not under a reserved prefix, or a tag.
  try {
    target.check(literals.join('0'));
  } catch (error) {
    throw new CacheKeyError(`${where}: ${shown} cannot make a valid cache key: ${(error as Error).message}`);
  }
  if (holes.length > 0 && literals[0].length + HASH_SUFFIX_LENGTH > target.maxLength) {
    throw new CacheKeyError(
      `${where}: the text before the first placeholder of ${shown} is too long to keep in a hashed key`,
    );
  }
}
