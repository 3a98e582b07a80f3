import { CacheConfigError } from '../config/cache-config.error';

export type OtelApi = typeof import('@opentelemetry/api');

/**
 * @opentelemetry/api is an optional peer dependency: it is loaded only when otel.enabled is
 * set, so apps without it never need it installed. Missing, it stops startup, as any other
 * setting that cannot be honoured does.
 */
export function loadOtelApi(): OtelApi {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- an optional peer, loaded only when the app turns the feature on
    return require('@opentelemetry/api') as OtelApi;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    throw new CacheConfigError([
      'otel.enabled (CACHE_OTEL_ENABLED=true) needs the optional peer dependency @opentelemetry/api: npm install @opentelemetry/api@^1',
    ]);
  }
}
