import { CacheConfigError } from '../../src';
import { createCacheApp } from '../helpers/test-app';

// What an app without the optional peer sees: requiring it fails as Node fails it.
jest.mock('@opentelemetry/api', () => {
  throw Object.assign(new Error("Cannot find module '@opentelemetry/api'"), { code: 'MODULE_NOT_FOUND' });
});

describe('CACHE_OTEL_ENABLED=true without @opentelemetry/api', () => {
  it('stops startup with a CacheConfigError that says what to install', async () => {
    const startup = createCacheApp({ CACHE_BACKEND: 'locmem', CACHE_OTEL_ENABLED: 'true' });
    await expect(startup).rejects.toThrow(CacheConfigError);
    await expect(startup).rejects.toThrow(
      'otel.enabled (CACHE_OTEL_ENABLED=true) needs the optional peer dependency @opentelemetry/api: npm install @opentelemetry/api@^1',
    );
  });

  it('starts as usual when it is off', async () => {
    const app = await createCacheApp({ CACHE_BACKEND: 'locmem' });
    await app.close();
  });
});
