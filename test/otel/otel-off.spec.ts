import { CacheManagerService } from '../../src';
import { UNTRACED_CACHE_SERVICE } from '../../src/common/cache.tokens';
import { GuardedStore } from '../../src/resilience/guarded-store';
import { OtelRecorder } from '../helpers/otel-recorder';
import { createCacheApp } from '../helpers/test-app';

describe('OpenTelemetry switched off (the default)', () => {
  it('leaves the service as it is and reports nothing, even with an SDK registered', async () => {
    const otel = OtelRecorder.start();
    const app = await createCacheApp({ CACHE_BACKEND: 'locmem' });
    try {
      const cache = app.get(CacheManagerService);
      expect(cache).toBe(app.get(UNTRACED_CACHE_SERVICE));
      expect(app.get(GuardedStore).latencies.observer).toBeUndefined();
      await cache.set('a', 1);
      await cache.get('a');
      await cache.getOrSet('b', () => 2);
      expect(otel.spans()).toEqual([]);
      expect([...(await otel.collect()).keys()]).toEqual([]);
    } finally {
      await app.close();
      await otel.stop();
    }
  });
});

describe('OpenTelemetry switched on with no SDK registered', () => {
  it('answers every call as without it: the spans are not recorded, so the calls run unchanged', async () => {
    const app = await createCacheApp({ CACHE_BACKEND: 'locmem', CACHE_OTEL_ENABLED: 'true' });
    try {
      const cache = app.get(CacheManagerService);
      expect(cache).not.toBe(app.get(UNTRACED_CACHE_SERVICE));
      await cache.set('zero', 0);
      expect(await cache.get('zero', 5)).toBe(0);
      expect(await cache.get('absent', 5)).toBe(5);
      expect(await cache.get('absent')).toBeUndefined();
      expect(await cache.getOrSet('g', () => 'v')).toBe('v');
      expect(
        await cache.getOrSetMany(['g', 'h'], (missing) => Object.fromEntries(missing.map((key) => [key, key]))),
      ).toEqual({ g: 'v', h: 'h' });
      await expect(cache.get('')).rejects.toThrow('must not be empty');
      expect(cache.getStats().getOrSet.factoryCalls).toBe(2);
    } finally {
      await app.close();
    }
  });
});
