import type { INestApplication } from '@nestjs/common';
import { CacheConfigError, CacheManagerService, parseCacheEnv, resolveCacheOptions } from '../../src';
import { createCacheApp } from '../helpers/test-app';

/**
 * CACHE_MAX_BYTES through the module, as an app configures it. The store-level details
 * (accounting, refusal of one oversized value) are in locmem.store.spec.ts.
 */
describe('locmem: bounded by CACHE_MAX_BYTES, least recently used first', () => {
  let app: INestApplication;
  let cache: CacheManagerService;

  beforeAll(async () => {
    app = await createCacheApp({
      CACHE_BACKEND: 'locmem',
      CACHE_MAX_ENTRIES: '10000',
      CACHE_MAX_BYTES: '1000000',
      CACHE_MAX_VALUE_BYTES: '100000',
    });
    cache = app.get(CacheManagerService);
  });

  afterAll(async () => {
    await app.close();
  });

  beforeEach(async () => {
    await cache.clear();
  });

  it('storing 40 times the byte bound keeps only the most recent entries that fit', async () => {
    // 20,000 characters are accounted as 40,000 bytes: 1,000,000 bytes hold at most 24 of them.
    const value = 'x'.repeat(20_000);
    const keys = Array.from({ length: 1000 }, (_, i) => `big${i}`);
    for (const key of keys) expect(await cache.set(key, value)).toBe(true);

    const kept = Object.keys(await cache.getMany(keys));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThanOrEqual(24);
    // Exactly the newest ones: eviction went oldest-first, with no gaps.
    expect(kept).toEqual(keys.slice(keys.length - kept.length));
  });

  it('evicts the least recently used entry, not the oldest write', async () => {
    const value = 'y'.repeat(20_000);
    for (let i = 0; i < 20; i++) await cache.set(`k${i}`, value);
    expect(await cache.get('k0')).toBe(value);
    for (let i = 20; i < 40; i++) await cache.set(`k${i}`, value);
    expect(await cache.exists('k0')).toBe(true);
    expect(await cache.exists('k1')).toBe(false);
  });
});

describe('CACHE_MAX_BYTES at startup', () => {
  it('defaults to 64 MiB and is read from the environment', () => {
    expect(parseCacheEnv({}).maxBytes).toBe(64 * 1024 * 1024);
    expect(parseCacheEnv({ CACHE_MAX_BYTES: '134217728' }).maxBytes).toBe(134_217_728);
    expect(resolveCacheOptions({ maxBytes: 10_000_000 }).maxBytes).toBe(10_000_000);
  });

  it.each(['0', '-1', 'lots', '1.5'])('refuses CACHE_MAX_BYTES=%p', (text) => {
    expect(() => parseCacheEnv({ CACHE_MAX_BYTES: text })).toThrow(CacheConfigError);
    expect(() => parseCacheEnv({ CACHE_MAX_BYTES: text })).toThrow(
      `CACHE_MAX_BYTES=${JSON.stringify(text)} is invalid: expected an integer >= 1`,
    );
  });

  it('refuses a locmem whose largest accepted value could never be stored, naming both variables and the minimum', () => {
    let error: unknown;
    try {
      parseCacheEnv({ CACHE_BACKEND: 'locmem', CACHE_MAX_BYTES: '1000000', CACHE_MAX_VALUE_BYTES: '1000000' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CacheConfigError);
    const { problems } = error as CacheConfigError;
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^CACHE_MAX_VALUE_BYTES \(maxValueBytes\)=1000000 does not fit in CACHE_MAX_BYTES \(maxBytes\)=1000000/,
    );
    const minimum = Number(/at least (\d+)/.exec(problems[0])?.[1]);
    expect(minimum).toBeGreaterThan(2_000_000);
    // The minimum it names is enough.
    expect(parseCacheEnv({ CACHE_MAX_BYTES: String(minimum), CACHE_MAX_VALUE_BYTES: '1000000' }).maxBytes).toBe(
      minimum,
    );
    expect(() => resolveCacheOptions({ maxBytes: minimum - 1, maxValueBytes: 1_000_000 })).toThrow(
      /does not fit in CACHE_MAX_BYTES/,
    );
  });

  it('refuses a hybrid whose L1 could never hold the largest accepted value, naming CACHE_L1_MAX_BYTES', () => {
    let error: unknown;
    try {
      parseCacheEnv({
        CACHE_BACKEND: 'hybrid',
        CACHE_L1_MAX_BYTES: '1000000',
        CACHE_MAX_VALUE_BYTES: '1000000',
        CACHE_MAX_BYTES: '1000',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CacheConfigError);
    const { problems } = error as CacheConfigError;
    expect(problems).toEqual([
      expect.stringMatching(
        /^CACHE_MAX_VALUE_BYTES \(maxValueBytes\)=1000000 does not fit in CACHE_L1_MAX_BYTES \(l1.maxBytes\)=1000000: the L1 of hybrid .* set CACHE_L1_MAX_BYTES to at least \d+/,
      ),
    ]);
  });

  it('does not apply the byte bound to backends that keep nothing in the process', () => {
    for (const backend of ['redis', 'dummy']) {
      const options = parseCacheEnv({
        CACHE_BACKEND: backend,
        CACHE_MAX_BYTES: '1000',
        CACHE_MAX_VALUE_BYTES: '536870912',
      });
      expect(options.maxValueBytes).toBe(536_870_912);
    }
  });
});
