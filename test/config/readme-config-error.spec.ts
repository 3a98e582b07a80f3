import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CacheConfigError, parseCacheEnv } from '../../src';

/** The README's sample of a startup error, as printed: the first text block that starts with CacheConfigError. */
function readmeSample(): string {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const block = [...readme.matchAll(/```text\n([\s\S]*?)```/g)]
    .map((match) => match[1])
    .find((text) => text.startsWith('CacheConfigError: '));
  if (!block) throw new Error('README.md has no ```text block that starts with "CacheConfigError: "');
  return block.trimEnd();
}

describe("the README's CacheConfigError sample", () => {
  it('is what the module prints for the settings it shows', () => {
    const sample = readmeSample();
    // The three settings the sample names, with the values it shows (the URL's is hidden there).
    expect(sample).toContain('CACHE_BACKEND="memcached"');
    expect(sample).toContain('REDIS_PORT="70000"');
    let error: unknown;
    try {
      parseCacheEnv({
        CACHE_BACKEND: 'memcached',
        REDIS_PORT: '70000',
        REDIS_URL: 'redis://:pa/ss@cache.internal:6379',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CacheConfigError);
    expect(`${(error as Error).name}: ${(error as Error).message}`).toBe(sample);
  });
});
